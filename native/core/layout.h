// The flat parameter layout of SPEC.md "Parameter layout", computed in C++ for Net::create. Its
// source of truth is lib/engine/layout.ts: the addon exposes this computation (layout(spec)) and
// test/engine/layout.test.ts compares the two over many specs.
#pragma once
#include <vector>

#include "spec.h"

namespace blasnet {

enum class TensorName { Kernel, Bias, Gamma, Beta, MovingMean, MovingVariance };

// The name layout.ts and the tfjs weight names use ("kernel", "moving_mean", ...).
const char* tensor_name(TensorName name);

// One tensor inside the flat buffer: elements [offset, offset + size).
struct ParamTensor {
  int layer = 0;
  TensorName name = TensorName::Kernel;
  std::vector<long> shape;  // kernel [in, units]; every other tensor [dim]
  long offset = 0;
  long size = 0;
  bool moving = false;      // batchNormalization moving statistics: never trained
  double l1 = 0, l2 = 0;    // regularization (dense kernel and bias only)
};

// Every tensor of the net in layer order. Reads in_dim from the dimension chain: spec.input_dim, then
// each layer's out_dim.
std::vector<ParamTensor> param_layout(const NetSpec& spec);

long param_count(const std::vector<ParamTensor>& layout);

// Number of per-parameter state vectors the optimizer keeps (layout.ts optimizerSlotCount).
int optimizer_slot_count(const OptSpec& opt);

// Length of the flat optimizer state: [iterations, slot_0[P], slot_1[P], ...].
long optimizer_state_length(const OptSpec& opt, long param_count);

}  // namespace blasnet
