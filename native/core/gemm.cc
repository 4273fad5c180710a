#include "gemm.h"

#if defined(BLASNET_ACCELERATE)
// macOS prebuilds (binding.gyp blas=accelerate): Apple's BLAS behind the same cblas_sgemm call. The
// classic CBLAS interface exists on every macOS (the newer one needs 13.3+), so silence its deprecation.
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#include <Accelerate/Accelerate.h>

#include <atomic>
#else
#include <cblas.h>

// Declared here in case the cblas.h in use lacks OpenBLAS's extensions (the reference cblas.h does).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}
#endif

namespace blasnet {

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // op(A) op(B) is empty: C = beta C (cblas does this too, but not all of them)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) C[(long)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(long)i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
              alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < K; ++k) {
        double a = trans_a ? A[(long)k * lda + i] : A[(long)i * lda + k];
        double b = trans_b ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
        s += a * b;
      }
      float* c = &C[(long)i * ldc + j];
      *c = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * *c));
    }
  }
}

#if defined(BLASNET_ACCELERATE)
// Accelerate sizes its own thread pool (VECLIB_MAXIMUM_THREADS) and has no call to change it: the
// requested count is kept so engineInfo() reports what was asked for.
static std::atomic<int> g_threads{1};
void set_threads(int n) { g_threads = n < 1 ? 1 : n; }
int get_threads() { return g_threads; }
std::string blas_config() { return "Accelerate (vecLib)"; }
std::string blas_core() { return "Accelerate"; }
#else
void set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int get_threads() { return openblas_get_num_threads(); }
std::string blas_config() {
  const char* s = openblas_get_config();
  return s ? std::string(s) : std::string();
}
std::string blas_core() {
  const char* s = openblas_get_corename();
  return s ? std::string(s) : std::string();
}
#endif

}  // namespace blasnet
