// GEMM over OpenBLAS cblas_sgemm, row-major, with transpose flags (never a transposed copy).
#pragma once
#include <string>

namespace blasnet {

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C[M,N], all row-major.
// op(A) = A ([M,K], lda >= K) or A^T (A stored [K,M], lda >= M); same for B.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

// The naive triple loop (float64 accumulation), the reference the tests compare gemm against.
void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc);

// OpenBLAS threads (a process-wide setting of OpenBLAS).
void set_threads(int n);
int get_threads();
std::string blas_config();
std::string blas_core();

}  // namespace blasnet
