// One input row times a dense kernel, for single-row inference on CPUs without AVX2+FMA (elsewhere
// Net::predict runs every row count on the prepacked kernels of packed_kernel.h).
//
// OpenBLAS's sgemm with M = 1 packs the whole of B before multiplying: for a 784x256 kernel that is
// ~34 us where streaming the kernel once takes ~7 us; and its sgemv threads from ~100x100 on (a
// second thread on a 2-core machine made it slower, and openblas_set_num_threads is process-wide).
// This kernel reads W once, row by row, on the calling thread. Each output accumulates its K products
// in order k = 0..K-1, so it differs from the batched path's by float rounding.
#pragma once
#include "spec.h"

namespace blasnet {

// y[N] = x[K] W[K,N] (W row-major, leading dimension N). y must not alias x or W.
void row_times_kernel(int K, int N, const float* x, const float* W, float* y);

// act_forward (activations.h) for one row of a linear or relu dense layer: Z += bias, A = act(Z), the
// same values (z + b rounded to float equals the double sum rounded to float; relu maps NaN and -0 to
// +0 as `z > 0 ? z : 0` does). Returns false, touching nothing, for other activations.
bool row_bias_act(const ActSpec& act, int d, float* Z, const float* bias, float* A);

}  // namespace blasnet
