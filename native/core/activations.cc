#include "activations.h"

#include <algorithm>
#include <cmath>

namespace blasnet {

namespace {
constexpr double kSeluScale = 1.0507009873554805;
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

inline double act_value(Act id, double alpha, double z) {
  switch (id) {
    case Act::Linear: return z;
    case Act::Relu: return z > 0 ? z : 0.0;
    case Act::Sigmoid: return sigmoid(z);
    case Act::Tanh: return std::tanh(z);
    case Act::Softmax: return z;  // handled per row
    case Act::LeakyRelu: return z > 0 ? z : alpha * z;
    case Act::Elu: return z > 0 ? z : alpha * (std::exp(z) - 1.0);
    case Act::Selu: return kSeluScale * (z > 0 ? z : kSeluAlpha * (std::exp(z) - 1.0));
    case Act::Gelu: return 0.5 * z * (1.0 + std::erf(z * kSqrt1_2));
    case Act::Swish: return z * sigmoid(z);
    case Act::Softplus: return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
    case Act::Softsign: return z / (1.0 + std::fabs(z));
    case Act::HardSigmoid: return std::min(1.0, std::max(0.0, 0.2 * z + 0.5));
    case Act::Relu6: return std::min(std::max(z, 0.0), 6.0);
  }
  return z;
}

// act'(z) given z and a = act(z) (a as stored, float).
inline double act_deriv(Act id, double alpha, double z, double a) {
  switch (id) {
    case Act::Linear: return 1.0;
    case Act::Relu: return z > 0 ? 1.0 : 0.0;
    case Act::Sigmoid: return a * (1.0 - a);
    case Act::Tanh: return 1.0 - a * a;
    case Act::Softmax: return 1.0;  // handled per row
    case Act::LeakyRelu: return z > 0 ? 1.0 : alpha;
    case Act::Elu: return z > 0 ? 1.0 : a + alpha;
    case Act::Selu: return z > 0 ? kSeluScale : a + kSeluScale * kSeluAlpha;
    case Act::Gelu: return 0.5 * (1.0 + std::erf(z * kSqrt1_2)) + z * std::exp(-z * z / 2.0) * kInvSqrt2Pi;
    case Act::Swish: {
      double s = sigmoid(z);
      return s + z * s * (1.0 - s);
    }
    case Act::Softplus: return sigmoid(z);
    case Act::Softsign: {
      double t = 1.0 + std::fabs(z);
      return 1.0 / (t * t);
    }
    case Act::HardSigmoid: return (z > -2.5 && z < 2.5) ? 0.2 : 0.0;
    case Act::Relu6: return (z > 0 && z < 6) ? 1.0 : 0.0;
  }
  return 1.0;
}

// Softmax of one row z[d] into a[d] (max subtracted).
inline void softmax_row(int d, const float* z, float* a) {
  double mx = -INFINITY;
  for (int j = 0; j < d; ++j) mx = std::max(mx, (double)z[j]);
  double sum = 0;
  for (int j = 0; j < d; ++j) {
    double e = std::exp((double)z[j] - mx);
    a[j] = (float)e;
    sum += e;
  }
  for (int j = 0; j < d; ++j) a[j] = (float)((double)a[j] / sum);
}
}  // namespace

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  double e = std::exp(z);
  return e / (1.0 + e);
}

void act_forward(const ActSpec& act, int n, int d, float* Z, const float* bias, float* A) {
  if (act.id == Act::Linear || act.id == Act::Relu) {
    // The common cases in loops of their own (no switch per element; small nets spend a fifth of a step
    // here otherwise). The same values as act_value: relu is `z > 0 ? z : 0` (NaN and -0 give +0).
    const bool relu = act.id == Act::Relu;
    for (int i = 0; i < n; ++i) {
      float* z = Z + (long)i * d;
      float* a = A + (long)i * d;
      if (bias) {
        for (int j = 0; j < d; ++j) {
          float zz = (float)((double)z[j] + (double)bias[j]);
          z[j] = zz;
          a[j] = relu ? (zz > 0 ? zz : 0.0f) : zz;
        }
      } else {
        for (int j = 0; j < d; ++j) a[j] = relu ? (z[j] > 0 ? z[j] : 0.0f) : z[j];
      }
    }
    return;
  }
  for (int i = 0; i < n; ++i) {
    float* z = Z + (long)i * d;
    float* a = A + (long)i * d;
    if (act.id == Act::Softmax) {
      if (bias)
        for (int j = 0; j < d; ++j) z[j] = (float)((double)z[j] + (double)bias[j]);
      softmax_row(d, z, a);
      continue;
    }
    if (bias) {
      for (int j = 0; j < d; ++j) {
        float zz = (float)((double)z[j] + (double)bias[j]);
        z[j] = zz;
        a[j] = (float)act_value(act.id, act.alpha, zz);
      }
    } else {
      for (int j = 0; j < d; ++j) a[j] = (float)act_value(act.id, act.alpha, z[j]);
    }
  }
}

void act_forward_nobias(const ActSpec& act, int n, int d, const float* X, float* A) {
  for (int i = 0; i < n; ++i) {
    const float* x = X + (long)i * d;
    float* a = A + (long)i * d;
    if (act.id == Act::Softmax) {
      softmax_row(d, x, a);
      continue;
    }
    for (int j = 0; j < d; ++j) a[j] = (float)act_value(act.id, act.alpha, x[j]);
  }
}

void act_backward(const ActSpec& act, int n, int d, const float* Z, const float* A, const float* dA, float* dZ) {
  if (act.id == Act::Linear) {
    if (dZ != dA)
      for (long k = 0; k < (long)n * d; ++k) dZ[k] = dA[k];
    return;
  }
  if (act.id == Act::Relu) {
    // act_deriv's relu case without the switch and without a branch (z > 0 is a coin flip per element:
    // mispredicted branches were a tenth of a small net's step). da * 1 and da * 0 are exact in float
    // as in double (the sign of a zero and NaN included), so the values are the general loop's.
    for (long k = 0; k < (long)n * d; ++k) {
      const float m = (float)(Z[k] > 0);
      dZ[k] = dA[k] * m;
    }
    return;
  }
  for (int i = 0; i < n; ++i) {
    const float* z = Z + (long)i * d;
    const float* a = A + (long)i * d;
    const float* da = dA + (long)i * d;
    float* dz = dZ + (long)i * d;
    if (act.id == Act::Softmax) {
      double dot = 0;
      for (int k = 0; k < d; ++k) dot += (double)da[k] * (double)a[k];
      for (int j = 0; j < d; ++j) dz[j] = (float)((double)a[j] * ((double)da[j] - dot));
      continue;
    }
    for (int j = 0; j < d; ++j) dz[j] = (float)((double)da[j] * act_deriv(act.id, act.alpha, z[j], a[j]));
  }
}

}  // namespace blasnet
