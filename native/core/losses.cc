#include "losses.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "activations.h"

namespace blasnet {

namespace {
constexpr double kEps = 1e-7;

// The label row: y[d], or one-hot of class `cls` when cls >= 0 (sparse labels, no buffer needed).
struct Label {
  const float* y;
  int cls;
  double operator[](int j) const { return cls >= 0 ? (j == cls ? 1.0 : 0.0) : y[j]; }
};

// Per-row loss; its gradient times gscale into g[d] (g may be null).
double row_loss(const LossSpec& loss, bool logits, int d, const float* p, const Label& y, float* g, double gscale) {
  double l = 0;
  switch (loss.id) {
    case LossId::Mse:
      for (int j = 0; j < d; ++j) {
        double e = (double)p[j] - y[j];
        l += e * e;
        if (g) g[j] = (float)(2.0 * e / d * gscale);
      }
      return l / d;
    case LossId::Mae:
      for (int j = 0; j < d; ++j) {
        double e = (double)p[j] - y[j];
        l += std::fabs(e);
        if (g) g[j] = (float)((e > 0 ? 1.0 : e < 0 ? -1.0 : 0.0) / d * gscale);
      }
      return l / d;
    case LossId::Huber: {
      double delta = loss.delta;
      for (int j = 0; j < d; ++j) {
        double e = (double)p[j] - y[j];
        double ae = std::fabs(e);
        l += ae <= delta ? 0.5 * e * e : delta * (ae - 0.5 * delta);
        if (g) g[j] = (float)(std::min(std::max(e, -delta), delta) / d * gscale);
      }
      return l / d;
    }
    case LossId::Bce:
      if (logits) {
        for (int j = 0; j < d; ++j) {
          double z = p[j], yy = y[j];
          l += std::max(z, 0.0) - z * yy + std::log1p(std::exp(-std::fabs(z)));
          if (g) g[j] = (float)((sigmoid(z) - yy) / d * gscale);
        }
      } else {
        for (int j = 0; j < d; ++j) {
          double raw = p[j], yy = y[j];
          double pc = std::min(std::max(raw, kEps), 1.0 - kEps);
          l += -(yy * std::log(pc) + (1.0 - yy) * std::log(1.0 - pc));
          if (g) {
            bool clipped = raw < kEps || raw > 1.0 - kEps;
            g[j] = clipped ? 0.0f : (float)((raw - yy) / (raw * (1.0 - raw)) / d * gscale);
          }
        }
      }
      return l / d;
    case LossId::Cce:
    case LossId::Scce:
      if (logits) {
        double mx = -INFINITY;
        for (int j = 0; j < d; ++j) mx = std::max(mx, (double)p[j]);
        double se = 0;
        for (int j = 0; j < d; ++j) se += std::exp((double)p[j] - mx);
        double lse = mx + std::log(se);
        double ysum = 0;
        for (int j = 0; j < d; ++j) {
          l += y[j] * (lse - (double)p[j]);
          ysum += y[j];
        }
        if (g)
          for (int j = 0; j < d; ++j) {
            double sm = std::exp((double)p[j] - lse);
            g[j] = (float)((sm * ysum - y[j]) * gscale);
          }
      } else {
        // Probabilities normalized by their row sum (as Keras); the clipped ones pass no gradient.
        double prob_sum = 0;
        for (int j = 0; j < d; ++j) prob_sum += p[j];
        double unclipped_label_sum = 0;
        for (int j = 0; j < d; ++j) {
          double q = (double)p[j] / prob_sum;
          double qc = std::min(std::max(q, kEps), 1.0 - kEps);
          l += -y[j] * std::log(qc);
          if (q >= kEps && q <= 1.0 - kEps) unclipped_label_sum += y[j];
        }
        if (g)
          for (int k = 0; k < d; ++k) {
            double q = (double)p[k] / prob_sum;
            double u = (q >= kEps && q <= 1.0 - kEps) ? 1.0 : 0.0;
            double term = u != 0.0 ? y[k] / q : 0.0;
            g[k] = (float)((unclipped_label_sum - term) / prob_sum * gscale);
          }
      }
      return l;
  }
  return l;
}
}  // namespace

Status loss_eval(const LossSpec& loss, bool logits, int n, int d, const float* P, const float* Y, const float* w,
                 double* weighted_sum, float* dP) {
  const bool sparse = loss.id == LossId::Scce;
  const int ycols = sparse ? 1 : d;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    Label y{Y + (long)i * ycols, -1};
    if (sparse) {
      double c = Y[i];
      if (!(c >= 0 && c < d && c == std::floor(c)))
        return Status::Error(Code::InvalidArg, "Expected a class index (an integer from 0 to " + std::to_string(d - 1) +
                                                   ") for a sparse label but received " + std::to_string(c));
      y.cls = (int)c;
    }
    double wi = w ? (double)w[i] : 1.0;
    double li = row_loss(loss, logits, d, P + (long)i * d, y, dP ? dP + (long)i * d : nullptr, wi / n);
    sum += wi * li;
  }
  *weighted_sum += sum;
  return Status::Ok();
}

}  // namespace blasnet
