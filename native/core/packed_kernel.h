// Dense kernels prepacked for inference, and the product of a block of rows with one.
//
// A kernel W[K,N] (row-major, as the parameter layout stores it) is copied once into panels of 16
// columns: panel p holds W[k, 16p .. 16p+15] for k = 0..K-1, 64 contiguous bytes per k, zero past N.
// The microkernels (AVX-512: up to 12 rows by 2 panels or 1 row by 8, one 512-bit register per panel
// row; else AVX2+FMA: up to 6 rows by a panel or 1 row by 4) keep every output in a register, each
// output accumulating its K products in k order from zero with one fused multiply-add per step,
// whatever the tile or the instruction set: an output row depends only on its input row, never on how
// many rows come with it, how they are tiled, how many threads share them or which of the two kernels
// runs (their results are the same bits). Bias and relu are applied in the store. Other CPUs get the
// same loop order in plain C++ (a multiply and an add per step), which Net::predict does not use there
// (OpenBLAS is faster): core_test checks it.
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

// The microkernel packed_gemm runs: the best the CPU has, unless the environment variable
// BLASNET_PACKED_KERNEL (read once: portable, avx2 or avx512) asks for a lower one, e.g. to compare them.
enum class PackedLevel { Portable, Avx2, Avx512 };
PackedLevel packed_kernel_level();
// For tests: run `level`, or the best the CPU has below it; returns the level now in use. Not for use
// while another thread is in packed_gemm.
PackedLevel set_packed_kernel_level(PackedLevel level);
const char* packed_level_name(PackedLevel level);

// True when packed_gemm runs a SIMD microkernel (x86-64 CPUs with AVX2+FMA or AVX-512).
inline bool packed_kernels_vectorized() { return packed_kernel_level() != PackedLevel::Portable; }
// Rows of packed_gemm's full tile at the current level: callers cutting rows into chunks use multiples.
int packed_tile_rows();

}  // namespace blasnet
