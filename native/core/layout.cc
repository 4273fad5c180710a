#include "layout.h"

#include <cstddef>

namespace blasnet {

const char* tensor_name(TensorName name) {
  switch (name) {
    case TensorName::Kernel: return "kernel";
    case TensorName::Bias: return "bias";
    case TensorName::Gamma: return "gamma";
    case TensorName::Beta: return "beta";
    case TensorName::MovingMean: return "moving_mean";
    case TensorName::MovingVariance: return "moving_variance";
  }
  return "kernel";
}

std::vector<ParamTensor> param_layout(const NetSpec& spec) {
  std::vector<ParamTensor> out;
  long offset = 0;
  long in_dim = spec.input_dim;
  for (size_t l = 0; l < spec.layers.size(); ++l) {
    const LayerSpec& layer = spec.layers[l];
    const long d = layer.out_dim;
    auto add = [&](TensorName name, std::vector<long> shape, bool moving, double l1, double l2) {
      ParamTensor t;
      t.layer = (int)l;
      t.name = name;
      t.size = 1;
      for (long s : shape) t.size *= s;
      t.shape = std::move(shape);
      t.offset = offset;
      t.moving = moving;
      t.l1 = l1;
      t.l2 = l2;
      offset += t.size;
      out.push_back(std::move(t));
    };
    switch (layer.kind) {
      case LayerKind::Dense:
        add(TensorName::Kernel, {in_dim, d}, false, layer.kernel_l1, layer.kernel_l2);
        if (layer.use_bias) add(TensorName::Bias, {d}, false, layer.bias_l1, layer.bias_l2);
        break;
      case LayerKind::BatchNorm:
        if (layer.scale) add(TensorName::Gamma, {d}, false, 0, 0);
        if (layer.center) add(TensorName::Beta, {d}, false, 0, 0);
        add(TensorName::MovingMean, {d}, true, 0, 0);
        add(TensorName::MovingVariance, {d}, true, 0, 0);
        break;
      case LayerKind::LayerNorm:
        if (layer.scale) add(TensorName::Gamma, {d}, false, 0, 0);
        if (layer.center) add(TensorName::Beta, {d}, false, 0, 0);
        break;
      case LayerKind::Activation:
      case LayerKind::Dropout: break;
    }
    in_dim = d;
  }
  return out;
}

long param_count(const std::vector<ParamTensor>& layout) {
  return layout.empty() ? 0 : layout.back().offset + layout.back().size;
}

int optimizer_slot_count(const OptSpec& o) {
  switch (o.id) {
    case OptId::Sgd: return o.momentum > 0 ? 1 : 0;
    case OptId::Adam:
    case OptId::AdamW: return o.amsgrad ? 3 : 2;
    case OptId::RmsProp: return 1 + (o.momentum > 0 ? 1 : 0) + (o.centered ? 1 : 0);
    case OptId::Adagrad: return 1;
  }
  return 0;
}

long optimizer_state_length(const OptSpec& opt, long param_count) {
  return 1 + (long)optimizer_slot_count(opt) * param_count;
}

}  // namespace blasnet
