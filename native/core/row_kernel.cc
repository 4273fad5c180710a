#include "row_kernel.h"

// The AVX2 path needs GCC or Clang function targets and __builtin_cpu_supports (not MSVC, not Windows).
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(_WIN32)
#define BLASNET_ROW_AVX2 1
#include <immintrin.h>
#endif

namespace blasnet {

namespace {

// Portable path: the same order (per output, k ascending), a multiply then an add per step (std::fma
// would be a slow library call on CPUs without the instruction); the compiler vectorizes over j.
void row_generic(int K, int N, const float* x, const float* W, float* y) {
  for (int j = 0; j < N; ++j) y[j] = 0.0f;
  for (int k = 0; k < K; ++k) {
    const float a = x[k];
    const float* w = W + (long)k * N;
    for (int j = 0; j < N; ++j) y[j] += a * w[j];
  }
}

#if defined(BLASNET_ROW_AVX2)
// Eight rows of W per pass over y (y stays in L1; W streams once, row after row, prefetched a group
// ahead); within a pass each output takes its eight products in k order.
__attribute__((target("avx2,fma"))) void row_avx2(int K, int N, const float* x, const float* W, float* y) {
  for (int j = 0; j < N; ++j) y[j] = 0.0f;
  const long n = N;
  int k = 0;
  for (; k + 8 <= K; k += 8) {
    const float* w = W + (long)k * n;
    const bool prefetch = k + 16 <= K;
    const __m256 x0 = _mm256_set1_ps(x[k]), x1 = _mm256_set1_ps(x[k + 1]), x2 = _mm256_set1_ps(x[k + 2]),
                 x3 = _mm256_set1_ps(x[k + 3]), x4 = _mm256_set1_ps(x[k + 4]), x5 = _mm256_set1_ps(x[k + 5]),
                 x6 = _mm256_set1_ps(x[k + 6]), x7 = _mm256_set1_ps(x[k + 7]);
    int j = 0;
    for (; j + 8 <= N; j += 8) {
      if (prefetch && (j & 15) == 0)
        for (int q = 8; q < 16; ++q) _mm_prefetch(reinterpret_cast<const char*>(w + q * n + j), _MM_HINT_T0);
      __m256 a = _mm256_loadu_ps(y + j);
      a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + j), a);
      a = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + n + j), a);
      a = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w + 2 * n + j), a);
      a = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w + 3 * n + j), a);
      a = _mm256_fmadd_ps(x4, _mm256_loadu_ps(w + 4 * n + j), a);
      a = _mm256_fmadd_ps(x5, _mm256_loadu_ps(w + 5 * n + j), a);
      a = _mm256_fmadd_ps(x6, _mm256_loadu_ps(w + 6 * n + j), a);
      a = _mm256_fmadd_ps(x7, _mm256_loadu_ps(w + 7 * n + j), a);
      _mm256_storeu_ps(y + j, a);
    }
    for (; j < N; ++j) {
      float a = y[j];
      for (int q = 0; q < 8; ++q) a = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(x[k + q]), _mm_set_ss(w[q * n + j]), _mm_set_ss(a)));
      y[j] = a;
    }
  }
  for (; k < K; ++k) {
    const __m256 xk = _mm256_set1_ps(x[k]);
    const float* w = W + (long)k * n;
    int j = 0;
    for (; j + 8 <= N; j += 8) _mm256_storeu_ps(y + j, _mm256_fmadd_ps(xk, _mm256_loadu_ps(w + j), _mm256_loadu_ps(y + j)));
    for (; j < N; ++j) y[j] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(x[k]), _mm_set_ss(w[j]), _mm_set_ss(y[j])));
  }
}

__attribute__((target("avx2"))) void bias_act_avx2(bool relu, int d, float* Z, const float* bias, float* A) {
  const __m256 zero = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= d; j += 8) {
    __m256 z = _mm256_loadu_ps(Z + j);
    if (bias) {
      z = _mm256_add_ps(z, _mm256_loadu_ps(bias + j));
      _mm256_storeu_ps(Z + j, z);
    }
    _mm256_storeu_ps(A + j, relu ? _mm256_max_ps(z, zero) : z);  // max(NaN or -0, 0) = +0: the second operand
  }
  for (; j < d; ++j) {
    float z = bias ? Z[j] + bias[j] : Z[j];
    if (bias) Z[j] = z;
    A[j] = relu ? (z > 0 ? z : 0.0f) : z;
  }
}

bool has_avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}
#endif

}  // namespace

void row_times_kernel(int K, int N, const float* x, const float* W, float* y) {
  if (N <= 0) return;
#if defined(BLASNET_ROW_AVX2)
  if (has_avx2_fma()) {
    row_avx2(K, N, x, W, y);
    return;
  }
#endif
  row_generic(K, N, x, W, y);
}

bool row_bias_act(const ActSpec& act, int d, float* Z, const float* bias, float* A) {
  const bool relu = act.id == Act::Relu;
  if (!relu && act.id != Act::Linear) return false;
#if defined(BLASNET_ROW_AVX2)
  if (has_avx2_fma()) {
    bias_act_avx2(relu, d, Z, bias, A);
    return true;
  }
#endif
  for (int j = 0; j < d; ++j) {
    float z = bias ? Z[j] + bias[j] : Z[j];
    if (bias) Z[j] = z;
    A[j] = relu ? (z > 0 ? z : 0.0f) : z;
  }
  return true;
}

bool row_kernel_vectorized() {
#if defined(BLASNET_ROW_AVX2)
  return has_avx2_fma();
#else
  return false;
#endif
}

}  // namespace blasnet
