// Losses with their gradients (SPEC.md "Losses").
#pragma once
#include "spec.h"
#include "status.h"

namespace blasnet {

// P: [n, d] network output, or the logits when `logits` is true (fused sigmoid+BCE / softmax+CCE,
// or fromLogits). Y: [n, d] labels ([n, 1] class indices for sparse CCE). w: [n] row weights or null.
// Adds sum_i w_i * l_i to *weighted_sum. If dP is non-null, writes dl_i/dP * w_i / n ([n, d]).
// A sparse label that is not an integer in [0, d) gives an InvalidArg status (checked at use).
Status loss_eval(const LossSpec& loss, bool logits, int n, int d, const float* P, const float* Y, const float* w,
                 double* weighted_sum, float* dP);

}  // namespace blasnet
