// Activations: forward fused with the bias add (one pass over the GEMM output), and backward.
// Elementwise math runs in double and is stored as float, like the TypeScript engine.
#pragma once
#include "spec.h"

namespace blasnet {

// Z: [n, d] in/out (pre-activation; bias added in place when bias != nullptr), A: [n, d] out.
// A may equal Z only for Act::Linear.
void act_forward(const ActSpec& act, int n, int d, float* Z, const float* bias, float* A);

// Without bias and without writing Z: A = act(X). X: [n, d], A: [n, d]; A may equal X (each element,
// and each softmax row, is read before it is written).
void act_forward_nobias(const ActSpec& act, int n, int d, const float* X, float* A);

// dZ = dA * act'(Z) (softmax: dZ_j = A_j (dA_j - sum_k dA_k A_k)). Z, A: [n, d]; dA: [n, d] in,
// dZ: [n, d] out; dZ may alias dA.
void act_backward(const ActSpec& act, int n, int d, const float* Z, const float* A, const float* dA, float* dZ);

double sigmoid(double z);

}  // namespace blasnet
