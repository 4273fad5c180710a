// Optimizer updates, gradient clipping helpers and learning-rate schedules (SPEC.md).
#pragma once
#include "spec.h"

namespace blasnet {

// Number of per-parameter state vectors (layout.ts optimizerSlotCount).
int optimizer_slot_count(const OptSpec& opt);

// lr of the update whose 0-based index is `step` (= t - 1).
double schedule_lr(const OptSpec& opt, double lr0, double step);

// Updates w[off .. off+size) from g (same indices) for update number t (1-based) at rate lr.
// slots: the state after `iterations`, slot k at slots + k * P.
void optimizer_update(const OptSpec& opt, double lr, double t, float* w, const float* g, float* slots, long P,
                      long off, long size);

}  // namespace blasnet
