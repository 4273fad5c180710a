#include "row_kernel.h"

namespace blasnet {

void row_times_kernel(int K, int N, const float* x, const float* W, float* y) {
  if (N <= 0) return;
  // Per output, k ascending, a multiply then an add per step (std::fma would be a slow library call
  // on CPUs without the instruction); the compiler vectorizes over j.
  for (int j = 0; j < N; ++j) y[j] = 0.0f;
  for (int k = 0; k < K; ++k) {
    const float a = x[k];
    const float* w = W + (long)k * N;
    for (int j = 0; j < N; ++j) y[j] += a * w[j];
  }
}

bool row_bias_act(const ActSpec& act, int d, float* Z, const float* bias, float* A) {
  const bool relu = act.id == Act::Relu;
  if (!relu && act.id != Act::Linear) return false;
  for (int j = 0; j < d; ++j) {
    float z = bias ? Z[j] + bias[j] : Z[j];
    if (bias) Z[j] = z;
    A[j] = relu ? (z > 0 ? z : 0.0f) : z;
  }
  return true;
}

}  // namespace blasnet
