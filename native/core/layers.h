// Layers as free forward/backward functions on raw float* (shapes in the comments; n = batch rows).
#pragma once
#include <cstdint>

#include "spec.h"

namespace blasnet {

// Dense forward: Z[n,out] = X[n,in] W[in,out] (sgemm NN), then one pass: Z += b, A = act(Z).
// b[out] may be null; A may equal Z for a linear activation.
void dense_forward(int n, int in, int out, const float* X, const float* W, const float* b, const ActSpec& act,
                   float* Z, float* A);

// Dense backward from dZ[n,out] (already through the activation):
// dW[in,out] = X^T dZ (sgemm TN) if dW; db[out] = column sums of dZ if db; dX[n,in] = dZ W^T (sgemm NT) if dX.
void dense_backward(int n, int in, int out, const float* X, const float* W, const float* dZ, float* dW, float* db,
                    float* dX);

// The counter hash of SPEC.md "Dropout" (24-bit result).
uint32_t dropout_hash(uint32_t seed, uint32_t step, uint32_t k);

// Dropout forward (training): mask[n,d] = 1 kept / 0 dropped, A[n,d] = X * mask / (1 - rate).
void dropout_forward(int n, int d, const float* X, double rate, uint32_t seed, uint32_t step, float* mask, float* A);
// dX[n,d] = dA * mask / (1 - rate).
void dropout_backward(int n, int d, const float* dA, const float* mask, double rate, float* dX);

// Batch normalization, training: per-column batch mean[d], var[d] (biased), xhat[n,d] kept for backward,
// Y[n,d] = gamma*xhat + beta (gamma/beta may be null: 1 / 0).
void batchnorm_forward_train(int n, int d, const float* X, const float* gamma, const float* beta, double eps,
                             float* mean, float* var, float* xhat, float* Y);
// Inference: Y = gamma (X - mm) / sqrt(mv + eps) + beta.
void batchnorm_forward_infer(int n, int d, const float* X, const float* gamma, const float* beta, const float* mm,
                             const float* mv, double eps, float* Y);
// Training backward: dgamma[d], dbeta[d] (written if non-null), dX[n,d] (if non-null).
void batchnorm_backward_train(int n, int d, const float* dY, const float* xhat, const float* var, const float* gamma,
                              double eps, float* dgamma, float* dbeta, float* dX);
// Inference-mode backward: dX = dY * gamma / sqrt(mv + eps).
void batchnorm_backward_infer(int n, int d, const float* dY, const float* gamma, const float* mv, double eps,
                              float* dX);

// Layer normalization over each row's d features: mean[n], rstd[n] = 1/sqrt(var+eps), xhat[n,d],
// Y = gamma_j xhat + beta_j.
void layernorm_forward(int n, int d, const float* X, const float* gamma, const float* beta, double eps, float* mean,
                       float* rstd, float* xhat, float* Y);
// dgamma[d], dbeta[d] (if non-null) and dX[n,d] (if non-null), with g = dY * gamma:
// dX = rstd * (g - sum(g)/d - xhat * sum(g*xhat)/d).
void layernorm_backward(int n, int d, const float* dY, const float* xhat, const float* rstd, const float* gamma,
                        float* dgamma, float* dbeta, float* dX);

}  // namespace blasnet
