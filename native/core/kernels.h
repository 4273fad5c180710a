// The numerical kernels of the core: GEMM over cblas_sgemm, activations, losses, layer passes and
// optimizer updates, as free functions on raw float pointers (shapes in the comments). SPEC.md in
// lib/engine/ is the definition; lib/engine/js/ is the TypeScript twin of each function.
#pragma once

#include <cstddef>
#include <cstdint>

#include "spec.h"

namespace blasnet {

// ---- gemm.cc ----
// C[M,N] = alpha * op(A) op(B) + beta * C, row-major, as cblas_sgemm(CblasRowMajor, ...).
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);
void blas_set_threads(int n);
int blas_threads();
const char* blas_config();
const char* blas_core();

// ---- activations.cc ----
// A[n,d] = act(Z + bias) in one pass (bias may be null; Z receives Z + bias).
void activation_forward(const ActivationSpec& act, float* Z, float* A, int n, int d, const float* bias);
// dZ[n,d] = dA * act'(Z); dZ may alias dA; A is the forward output.
void activation_backward(const ActivationSpec& act, const float* Z, const float* A, const float* dA, float* dZ, int n, int d);
double sigmoid(double z);

// ---- losses.cc ----
bool loss_is_fused(const LossSpec& loss, const ActivationSpec* last_act);
// Returns sum_i w_i l_i; writes d(sum_i w_i l_i * scale)/d(output) into grad (w.r.t. Z when fused) if grad != null.
// Sparse labels: y holds one class index per row. Throws Error on an invalid class index.
double loss_forward_backward(const LossSpec& loss, const ActivationSpec* last_act, const float* Z, const float* A,
                             const float* y, int n, int d, const float* w, double scale, float* grad,
                             const uint32_t* row_ids);

// ---- layers.cc ----
uint32_t dropout_hash(uint32_t seed, uint32_t step, uint32_t k);
void dropout_forward(const float* X, float* out, float* mask, int n, int d, double rate, uint32_t seed, uint32_t step);
void batchnorm_train_forward(const float* X, float* out, float* xhat, float* mean, float* var, float* inv_std,
                             const float* gamma, const float* beta, int n, int d, double eps);
void batchnorm_infer_forward(const float* X, float* out, const float* mm, const float* mv, float* inv_std,
                             const float* gamma, const float* beta, int n, int d, double eps);
void batchnorm_train_backward(const float* dout, const float* xhat, const float* inv_std, const float* gamma,
                              float* dgamma, float* dbeta, float* dX, int n, int d);
void batchnorm_infer_backward(const float* dout, const float* inv_std, const float* gamma, float* dX, int n, int d);
void layernorm_forward(const float* X, float* out, float* xhat, float* row_inv_std, const float* gamma,
                       const float* beta, int n, int d, double eps);
void layernorm_backward(const float* dout, const float* xhat, const float* row_inv_std, const float* gamma,
                        float* dgamma, float* dbeta, float* dX, int n, int d);

// ---- optimizers.cc ----
struct TensorSlot {
  int layer;
  size_t offset, size;
  bool trainable;
  bool is_moving_stat;
};
double scheduled_learning_rate(double lr0, const ScheduleSpec& s, double step);
void clip_gradients(const OptimizerSpec& opt, const TensorSlot* slots, size_t n_slots, float* grads);
// state = [iterations, slot0[P], slot1[P], ...]; t = 1-based iteration after increment.
void apply_update(const OptimizerSpec& opt, const TensorSlot* slots, size_t n_slots, float* params, const float* grads,
                  float* state, size_t P, double t, double lr);
int optimizer_slot_count(const OptimizerSpec& opt);

}  // namespace blasnet
