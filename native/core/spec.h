// The plain C++ mirror of NetSpec (lib/engine/types.ts). The binding fills it after validating
// every field; the core trusts it (Net::create re-checks the dimension chain).
#pragma once
#include <cstdint>
#include <vector>

namespace blasnet {

// Same order as ACTIVATION_CODES in lib/engine/types.ts.
enum class Act : int {
  Linear, Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Selu, Gelu, Swish, Softplus, Softsign, HardSigmoid, Relu6
};
constexpr int kActCount = 14;
// Same order as LOSS_CODES.
enum class LossId : int { Mse, Mae, Huber, Bce, Cce, Scce };
constexpr int kLossCount = 6;
// Same order as OPTIMIZER_CODES.
enum class OptId : int { Sgd, Adam, AdamW, RmsProp, Adagrad };
constexpr int kOptCount = 5;
enum class LayerKind : int { Dense, Activation, Dropout, BatchNorm, LayerNorm };
enum class ScheduleKind : int { Constant, ExponentialDecay, CosineDecay, PiecewiseConstant };

struct ActSpec {
  Act id = Act::Linear;
  double alpha = 0;  // leakyRelu slope / elu alpha
};

struct LayerSpec {
  LayerKind kind = LayerKind::Dense;
  int in_dim = 0;   // filled from the chain
  int out_dim = 0;  // dense: units; others: dim
  ActSpec act;      // dense, activation
  bool use_bias = true;
  bool trainable = true;  // dense, batchNorm, layerNorm
  double kernel_l1 = 0, kernel_l2 = 0, bias_l1 = 0, bias_l2 = 0, kernel_max_norm = 0;
  double rate = 0;     // dropout
  uint32_t seed = 0;   // dropout
  double momentum = 0.99, epsilon = 1e-3;  // batchNorm (epsilon also layerNorm)
  bool center = true, scale = true;
};

struct LossSpec {
  LossId id = LossId::Mse;
  bool from_logits = false;
  double delta = 1.0;
};

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::Constant;
  double decay_steps = 1, decay_rate = 1;
  bool staircase = false;
  double alpha = 0, warmup_target = 0, warmup_steps = 0;
  std::vector<double> boundaries, values;
};

struct OptSpec {
  OptId id = OptId::Adam;
  double lr = 0.001;
  ScheduleSpec schedule;
  double momentum = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
  bool amsgrad = false;
  double weight_decay = 0.004;
  double rho = 0.9;
  bool centered = false;
  double initial_accumulator = 0.1;
  double clipnorm = 0, clipvalue = 0, global_clipnorm = 0;
};

struct NetSpec {
  int input_dim = 0;
  std::vector<LayerSpec> layers;
  LossSpec loss;
  OptSpec opt;
};

}  // namespace blasnet
