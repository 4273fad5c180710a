// One input row times a dense kernel, for single-row inference (predict of one row).
//
// OpenBLAS's sgemm with M = 1 packs the whole of B before multiplying: for a 784x256 kernel that is
// ~34 us where streaming the kernel once takes ~7 us; and its sgemv threads from ~100x100 on (a
// second thread on a 2-core machine made it slower, and openblas_set_num_threads is process-wide).
// This kernel reads W once, row by row, on the calling thread. Each output accumulates its K products
// in order k = 0..K-1 (a fused multiply-add per step on x86-64 CPUs with AVX2+FMA, a multiply and an
// add elsewhere), the order OpenBLAS's Haswell sgemm kernel uses within one K block: there the outputs
// usually equal the batched path's bit for bit for K up to its block size (384), and differ by float
// rounding beyond it or on other kernels.
#pragma once
#include "spec.h"

namespace blasnet {

// y[N] = x[K] W[K,N] (W row-major, leading dimension N). y must not alias x or W.
void row_times_kernel(int K, int N, const float* x, const float* W, float* y);

// act_forward (activations.h) for one row of a linear or relu dense layer, vectorized: Z += bias,
// A = act(Z), the same values (z + b rounded to float equals the double sum rounded to float; relu maps
// NaN and -0 to +0 as `z > 0 ? z : 0` does). Returns false, touching nothing, for other activations.
bool row_bias_act(const ActSpec& act, int d, float* Z, const float* bias, float* A);

// True when row_times_kernel uses the AVX2+FMA path (x86-64 CPUs that have it), for tests and notes.
bool row_kernel_vectorized();

}  // namespace blasnet
