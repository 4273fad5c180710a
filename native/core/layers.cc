#include "layers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "activations.h"
#include "gemm.h"

namespace blasnet {

void dense_forward(int n, int in, int out, const float* X, const float* W, const float* b, const ActSpec& act,
                   float* Z, float* A) {
  gemm(false, false, n, out, in, 1.0f, X, in, W, out, 0.0f, Z, out);
  act_forward(act, n, out, Z, b, A);
}

void dense_backward(int n, int in, int out, const float* X, const float* W, const float* dZ, float* dW, float* db,
                    float* dX) {
  if (dW) gemm(true, false, in, out, n, 1.0f, X, in, dZ, out, 0.0f, dW, out);
  if (db) {
    // Row by row into double sums: each column still adds its rows in order i = 0..n-1 (the same
    // bits as a loop down each column), but the loads are contiguous and the adds vectorize instead
    // of one dependent add chain per column.
    constexpr int kBlock = 512;
    double s[kBlock];
    for (int j0 = 0; j0 < out; j0 += kBlock) {
      const int w = std::min(kBlock, out - j0);
      std::fill(s, s + w, 0.0);
      for (int i = 0; i < n; ++i) {
        const float* row = dZ + (long)i * out + j0;
        for (int j = 0; j < w; ++j) s[j] += row[j];
      }
      for (int j = 0; j < w; ++j) db[j0 + j] = (float)s[j];
    }
  }
  if (dX) gemm(false, true, n, in, out, 1.0f, dZ, out, W, out, 0.0f, dX, in);
}

void dense_max_norm(int in, int out, float* W, double max_norm) {
  for (int j = 0; j < out; ++j) {
    double s = 0;
    for (int i = 0; i < in; ++i) s += (double)W[(long)i * out + j] * W[(long)i * out + j];
    double norm = std::sqrt(s);
    double f = std::min(std::max(norm, 0.0), max_norm) / (1e-7 + norm);
    for (int i = 0; i < in; ++i) W[(long)i * out + j] = (float)((double)W[(long)i * out + j] * f);
  }
}

uint32_t dropout_hash(uint32_t seed, uint32_t step, uint32_t k) {
  uint32_t h = seed * 0x9E3779B1u + step * 0x85EBCA77u + k * 0xC2B2AE3Du;
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return h >> 8;
}

void dropout_forward(int n, int d, const float* X, double rate, uint32_t seed, uint32_t step, float* mask, float* A) {
  const double scale = 1.0 / (1.0 - rate);
  for (long k = 0; k < (long)n * d; ++k) {
    bool keep = (double)dropout_hash(seed, step, (uint32_t)k) / 16777216.0 >= rate;
    mask[k] = keep ? 1.0f : 0.0f;
    A[k] = keep ? (float)((double)X[k] * scale) : 0.0f;
  }
}

void dropout_backward(int n, int d, const float* dA, const float* mask, double rate, float* dX) {
  const double scale = 1.0 / (1.0 - rate);
  for (long k = 0; k < (long)n * d; ++k) dX[k] = mask[k] != 0.0f ? (float)((double)dA[k] * scale) : 0.0f;
}

void batchnorm_forward_train(int n, int d, const float* X, const float* gamma, const float* beta, double eps,
                             float* mean, float* var, float* xhat, float* Y) {
  for (int j = 0; j < d; ++j) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += X[(long)i * d + j];
    double m = s / n;
    double v = 0;
    for (int i = 0; i < n; ++i) {
      double e = (double)X[(long)i * d + j] - m;
      v += e * e;
    }
    v /= n;
    mean[j] = (float)m;
    var[j] = (float)v;
    double rs = 1.0 / std::sqrt(v + eps);
    double g = gamma ? gamma[j] : 1.0, b = beta ? beta[j] : 0.0;
    for (int i = 0; i < n; ++i) {
      long k = (long)i * d + j;
      float xh = (float)(((double)X[k] - m) * rs);
      xhat[k] = xh;
      Y[k] = (float)(g * (double)xh + b);
    }
  }
}

void batchnorm_forward_infer(int n, int d, const float* X, const float* gamma, const float* beta,
                             const float* moving_mean, const float* moving_var, double eps, float* Y) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) {
      long k = (long)i * d + j;
      double g = gamma ? gamma[j] : 1.0, b = beta ? beta[j] : 0.0;
      Y[k] = (float)(g * ((double)X[k] - (double)moving_mean[j]) / std::sqrt((double)moving_var[j] + eps) + b);
    }
}

void batchnorm_backward_train(int n, int d, const float* dY, const float* xhat, const float* var, const float* gamma,
                              double eps, float* dgamma, float* dbeta, float* dX) {
  for (int j = 0; j < d; ++j) {
    double sb = 0, sg = 0;
    for (int i = 0; i < n; ++i) {
      long k = (long)i * d + j;
      sb += dY[k];
      sg += (double)dY[k] * (double)xhat[k];
    }
    if (dbeta) dbeta[j] = (float)sb;
    if (dgamma) dgamma[j] = (float)sg;
    if (!dX) continue;
    double g = gamma ? gamma[j] : 1.0;
    double f = g / std::sqrt((double)var[j] + eps);
    for (int i = 0; i < n; ++i) {
      long k = (long)i * d + j;
      dX[k] = (float)(f * ((double)dY[k] - sb / n - (double)xhat[k] * sg / n));
    }
  }
}

void batchnorm_backward_infer(int n, int d, const float* dY, const float* gamma, const float* moving_var, double eps,
                              float* dX) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) {
      long k = (long)i * d + j;
      double g = gamma ? gamma[j] : 1.0;
      dX[k] = (float)((double)dY[k] * g / std::sqrt((double)moving_var[j] + eps));
    }
}

void batchnorm_update_moving(int d, const float* mean, const float* var, double momentum, float* moving_mean,
                             float* moving_var) {
  for (int j = 0; j < d; ++j) {
    moving_mean[j] = (float)((double)moving_mean[j] * momentum + (double)mean[j] * (1.0 - momentum));
    moving_var[j] = (float)((double)moving_var[j] * momentum + (double)var[j] * (1.0 - momentum));
  }
}

void layernorm_forward(int n, int d, const float* X, const float* gamma, const float* beta, double eps, float* rstd,
                       float* xhat, float* Y) {
  for (int i = 0; i < n; ++i) {
    const float* x = X + (long)i * d;
    double s = 0;
    for (int j = 0; j < d; ++j) s += x[j];
    double m = s / d;
    double v = 0;
    for (int j = 0; j < d; ++j) {
      double e = (double)x[j] - m;
      v += e * e;
    }
    v /= d;
    double rs = 1.0 / std::sqrt(v + eps);
    rstd[i] = (float)rs;
    for (int j = 0; j < d; ++j) {
      long k = (long)i * d + j;
      float xh = (float)(((double)x[j] - m) * rs);
      xhat[k] = xh;
      double g = gamma ? gamma[j] : 1.0, b = beta ? beta[j] : 0.0;
      Y[k] = (float)(g * (double)xh + b);
    }
  }
}

void layernorm_backward(int n, int d, const float* dY, const float* xhat, const float* rstd, const float* gamma,
                        float* dgamma, float* dbeta, float* dX) {
  if (dgamma || dbeta) {
    for (int j = 0; j < d; ++j) {
      double sg = 0, sb = 0;
      for (int i = 0; i < n; ++i) {
        long k = (long)i * d + j;
        sb += dY[k];
        sg += (double)dY[k] * (double)xhat[k];
      }
      if (dgamma) dgamma[j] = (float)sg;
      if (dbeta) dbeta[j] = (float)sb;
    }
  }
  if (!dX) return;
  for (int i = 0; i < n; ++i) {
    double sg = 0, sgx = 0;
    for (int j = 0; j < d; ++j) {
      long k = (long)i * d + j;
      double g = (double)dY[k] * (gamma ? (double)gamma[j] : 1.0);
      sg += g;
      sgx += g * (double)xhat[k];
    }
    for (int j = 0; j < d; ++j) {
      long k = (long)i * d + j;
      double g = (double)dY[k] * (gamma ? (double)gamma[j] : 1.0);
      dX[k] = (float)((double)rstd[i] * (g - sg / d - (double)xhat[k] * sgx / d));
    }
  }
}

}  // namespace blasnet
