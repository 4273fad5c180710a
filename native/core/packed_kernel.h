// Dense kernels prepacked for inference, and the product of a block of rows with one.
//
// A kernel W[K,N] (row-major, as the parameter layout stores it) is copied once into panels of 16
// columns: panel p holds W[k, 16p .. 16p+15] for k = 0..K-1, 64 contiguous bytes per k, zero past N.
// The AVX2+FMA microkernel multiplies up to 6 rows by a panel (or one row by up to 4 panels) with every
// output in a register, each output accumulating its K products in k order from zero with one fused
// multiply-add per step, whatever the tile: an output row depends only on its input row, never on how
// many rows come with it, how they are tiled or how many threads share them. Bias and relu are applied
// in the store. Other CPUs get the same loop order in plain C++ (a multiply and an add per step), which
// Net::predict does not use there (OpenBLAS is faster): core_test checks it.
#pragma once
#include <vector>

namespace blasnet {

constexpr int kPanelWidth = 16;

class PackedKernel {
 public:
  void pack(int K, int N, const float* W);
  int rows() const { return K_; }
  int cols() const { return N_; }
  int panels() const { return (N_ + kPanelWidth - 1) / kPanelWidth; }
  const float* panel(int p) const { return data_ + (long)p * K_ * kPanelWidth; }

 private:
  int K_ = 0, N_ = 0;
  std::vector<float> storage_;  // data_ is storage_ aligned to 64 bytes (one panel row per cache line)
  float* data_ = nullptr;
};

// Y[M, N] (leading dimension ldy) = A[M, K] (leading dimension lda) W + bias, then max(., 0) when relu
// (`z > 0 ? z : 0`: NaN and -0 give +0). bias[N] may be null. Y must not overlap A.
void packed_gemm(int M, const float* A, long lda, const PackedKernel& W, const float* bias, bool relu, float* Y,
                 long ldy);

// True when packed_gemm runs the AVX2+FMA microkernel (x86-64 CPUs that have it).
bool packed_kernels_vectorized();

}  // namespace blasnet
