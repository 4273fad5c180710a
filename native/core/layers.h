// The layers as forward/backward pairs of free functions on raw float* (SPEC.md "Layers"). Shapes in
// the comments; n = rows of the batch, d = width of the layer. lib/engine/js/layers.ts has the same
// functions under the same names (camelCase), with the same arguments in the same order.
#pragma once
#include <cstdint>

#include "spec.h"

namespace blasnet {

// Z[n,out] = X[n,in] W[in,out] (sgemm NN), then one pass over Z: Z += b, A = act(Z).
// b[out] may be null; A may equal Z for a linear activation.
void dense_forward(int n, int in, int out, const float* X, const float* W, const float* b, const ActSpec& act,
                   float* Z, float* A);
// From dZ[n,out] (already through the activation): dW[in,out] = X^T dZ (sgemm TN), db[out] = column
// sums of dZ, dX[n,in] = dZ W^T (sgemm NT); each skipped when its pointer is null.
void dense_backward(int n, int in, int out, const float* X, const float* W, const float* dZ, float* dW, float* db,
                    float* dX);
// The MaxNorm constraint after an update: each column j of W[in,out] scaled to a norm of at most max_norm.
void dense_max_norm(int in, int out, float* W, double max_norm);

// The counter hash of SPEC.md "Dropout" (24-bit result).
uint32_t dropout_hash(uint32_t seed, uint32_t step, uint32_t k);
// Training only: mask[n,d] = 1 kept / 0 dropped, A[n,d] = X * mask / (1 - rate).
void dropout_forward(int n, int d, const float* X, double rate, uint32_t seed, uint32_t step, float* mask, float* A);
// dX[n,d] = dA * mask / (1 - rate).
void dropout_backward(int n, int d, const float* dA, const float* mask, double rate, float* dX);

// Training: per-column batch mean[d] and biased var[d], xhat[n,d] kept for backward,
// Y[n,d] = gamma * xhat + beta (gamma / beta may be null: 1 / 0).
void batchnorm_forward_train(int n, int d, const float* X, const float* gamma, const float* beta, double eps,
                             float* mean, float* var, float* xhat, float* Y);
// Inference (and frozen layers): Y = gamma (X - moving_mean) / sqrt(moving_var + eps) + beta.
void batchnorm_forward_infer(int n, int d, const float* X, const float* gamma, const float* beta,
                             const float* moving_mean, const float* moving_var, double eps, float* Y);
// Training backward: dgamma[d], dbeta[d] and dX[n,d], each written when non-null.
void batchnorm_backward_train(int n, int d, const float* dY, const float* xhat, const float* var, const float* gamma,
                              double eps, float* dgamma, float* dbeta, float* dX);
// Inference-mode backward: dX[n,d] = dY * gamma / sqrt(moving_var + eps).
void batchnorm_backward_infer(int n, int d, const float* dY, const float* gamma, const float* moving_var, double eps,
                              float* dX);
// After an applied step: moving = moving * momentum + batch * (1 - momentum), for mean[d] and var[d].
void batchnorm_update_moving(int d, const float* mean, const float* var, double momentum, float* moving_mean,
                             float* moving_var);

// Over each row's d features: rstd[n] = 1 / sqrt(var + eps), xhat[n,d], Y = gamma_j xhat + beta_j.
void layernorm_forward(int n, int d, const float* X, const float* gamma, const float* beta, double eps, float* rstd,
                       float* xhat, float* Y);
// dgamma[d], dbeta[d] and dX[n,d] (each when non-null), with g = dY * gamma:
// dX = rstd * (g - sum(g) / d - xhat * sum(g * xhat) / d).
void layernorm_backward(int n, int d, const float* dY, const float* xhat, const float* rstd, const float* gamma,
                        float* dgamma, float* dbeta, float* dX);

}  // namespace blasnet
