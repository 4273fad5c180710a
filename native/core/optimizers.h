// Gradient clipping, learning-rate schedules and the optimizer updates (SPEC.md steps 7 and 8).
#pragma once
#include <vector>

#include "layout.h"
#include "spec.h"

namespace blasnet {

// Clips g in place over the tensors being trained (at most one of clipnorm, globalClipnorm, clipvalue is set).
void clip_gradients(const OptSpec& opt, const std::vector<ParamTensor>& tensors, float* g);

// lr of the update whose 0-based index is `step` (= t - 1).
double schedule_lr(const OptSpec& opt, double lr0, double step);

// Updates w[off .. off+size) from g (same indices) for update number t (1-based) at rate lr.
// slots: the state after `iterations`, slot k at slots + k * P.
void optimizer_update(const OptSpec& opt, double lr, double t, float* w, const float* g, float* slots, long P,
                      long off, long size);

}  // namespace blasnet
