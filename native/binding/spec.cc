#include "binding/spec.h"

#include <cmath>
#include <string>

#include "binding/args.h"

namespace blasnet_binding {

using namespace blasnet;

namespace {

const char* const kActNames[kActCount] = {"linear", "relu",  "sigmoid", "tanh",     "softmax",  "leakyRelu",   "elu",
                                          "selu",   "gelu",  "swish",   "softplus", "softsign", "hardSigmoid", "relu6"};
const char* const kLossNames[kLossCount] = {"meanSquaredError",   "meanAbsoluteError",       "huber",
                                            "binaryCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy"};
const char* const kOptNames[kOptCount] = {"sgd", "adam", "adamw", "rmsprop", "adagrad"};
const char* const kLayerKinds[] = {"dense", "activation", "dropout", "batchNormalization", "layerNormalization"};
const char* const kScheduleKinds[] = {"constant", "exponentialDecay", "cosineDecay", "piecewiseConstantDecay"};

Napi::Object get_object(const Napi::Value& v, const std::string& arg) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) invalid(v.Env(), arg, "an object", v);
  return v.As<Napi::Object>();
}

std::string names_list(const char* const* names, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::string("\"") + names[i] + "\"";
  return s;
}

int get_name(const Napi::Value& v, const std::string& arg, const char* const* names, int n) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    for (int i = 0; i < n; ++i)
      if (s == names[i]) return i;
  }
  invalid(v.Env(), arg, "one of " + names_list(names, n), v);
}

// The fields of one JS object, with the path messages name them by ("spec.layers[2].rate").
struct FieldReader {
  Napi::Object object;
  std::string path;
  Napi::Value get(const char* k) const { return object.Get(k); }
  std::string at(const char* k) const { return path + "." + k; }
  int64_t dim(const char* k) const { return get_int(get(k), at(k), 1, kMaxDim); }
  double num(const char* k, double lo, double hi) const { return get_number(get(k), at(k), lo, hi); }
  bool flag(const char* k) const { return get_bool(get(k), at(k)); }
};

constexpr double kHuge = 1e30;

ActSpec read_act(const Napi::Value& v, const std::string& path) {
  FieldReader r{get_object(v, path), path};
  ActSpec a;
  a.id = (Act)get_name(r.get("id"), r.at("id"), kActNames, kActCount);
  a.alpha = r.num("alpha", -kHuge, kHuge);
  return a;
}

ScheduleSpec read_schedule(const Napi::Value& v, const std::string& path) {
  FieldReader r{get_object(v, path), path};
  ScheduleSpec s;
  s.kind = (ScheduleKind)get_name(r.get("kind"), r.at("kind"), kScheduleKinds, 4);
  switch (s.kind) {
    case ScheduleKind::Constant: break;
    case ScheduleKind::ExponentialDecay:
      s.decay_steps = r.num("decaySteps", 1e-30, kHuge);
      s.decay_rate = r.num("decayRate", 0, kHuge);
      s.staircase = r.flag("staircase");
      break;
    case ScheduleKind::CosineDecay:
      s.decay_steps = r.num("decaySteps", 1e-30, kHuge);
      s.alpha = r.num("alpha", -kHuge, kHuge);
      s.warmup_target = r.num("warmupTarget", -kHuge, kHuge);
      s.warmup_steps = r.num("warmupSteps", 0, kHuge);
      break;
    case ScheduleKind::PiecewiseConstant: {
      Napi::Value b = r.get("boundaries"), vals = r.get("values");
      if (!b.IsArray()) invalid(v.Env(), r.at("boundaries"), "an array of numbers", b);
      if (!vals.IsArray()) invalid(v.Env(), r.at("values"), "an array of numbers", vals);
      Napi::Array ba = b.As<Napi::Array>(), va = vals.As<Napi::Array>();
      if (ba.Length() > 100000) invalid(v.Env(), r.at("boundaries"), "at most 100000 boundaries", b);
      if (va.Length() != ba.Length() + 1)
        invalid(v.Env(), r.at("values"), "an array of length " + std::to_string(ba.Length() + 1) + " (boundaries + 1)", vals);
      for (uint32_t i = 0; i < ba.Length(); ++i)
        s.boundaries.push_back(get_number(ba.Get(i), r.at("boundaries") + "[" + std::to_string(i) + "]", -kHuge, kHuge));
      for (uint32_t i = 0; i < va.Length(); ++i)
        s.values.push_back(get_number(va.Get(i), r.at("values") + "[" + std::to_string(i) + "]", 0, kHuge));
      break;
    }
  }
  return s;
}

}  // namespace

NetSpec read_net_spec(const Napi::Value& v) {
  Napi::Env env = v.Env();
  FieldReader r{get_object(v, "spec"), "spec"};
  NetSpec spec;
  spec.input_dim = (int)r.dim("inputDim");
  Napi::Value lv = r.get("layers");
  if (!lv.IsArray() || lv.As<Napi::Array>().Length() == 0 || lv.As<Napi::Array>().Length() > 10000)
    invalid(env, "spec.layers", "an array of 1 to 10000 layer specs", lv);
  Napi::Array layers = lv.As<Napi::Array>();
  int64_t dim = spec.input_dim;
  int64_t params = 0;
  for (uint32_t i = 0; i < layers.Length(); ++i) {
    std::string path = "spec.layers[" + std::to_string(i) + "]";
    FieldReader layer{get_object(layers.Get(i), path), path};
    LayerSpec out;
    out.kind = (LayerKind)get_name(layer.get("kind"), layer.at("kind"), kLayerKinds, 5);
    out.in_dim = (int)dim;
    if (out.kind == LayerKind::Dense) {
      int64_t in = layer.dim("inputDim");
      if (in != dim)
        throw_coded(env, Code::ShapeMismatch, "Expected " + std::to_string(dim) + " for " + layer.at("inputDim") +
                                                   " (the width of the previous layer) but received " + std::to_string(in));
      out.out_dim = (int)layer.dim("units");
      out.act = read_act(layer.get("activation"), layer.at("activation"));
      out.use_bias = layer.flag("useBias");
      out.trainable = layer.flag("trainable");
      out.kernel_l1 = layer.num("kernelL1", 0, kHuge);
      out.kernel_l2 = layer.num("kernelL2", 0, kHuge);
      out.bias_l1 = layer.num("biasL1", 0, kHuge);
      out.bias_l2 = layer.num("biasL2", 0, kHuge);
      out.kernel_max_norm = layer.num("kernelMaxNorm", 0, kHuge);
      params += in * out.out_dim + (out.use_bias ? out.out_dim : 0);
    } else {
      int64_t d = layer.dim("dim");
      if (d != dim)
        throw_coded(env, Code::ShapeMismatch, "Expected " + std::to_string(dim) + " for " + layer.at("dim") +
                                                   " (the width of the previous layer) but received " + std::to_string(d));
      out.out_dim = (int)d;
      switch (out.kind) {
        case LayerKind::Activation: out.act = read_act(layer.get("activation"), layer.at("activation")); break;
        case LayerKind::Dropout:
          out.rate = layer.num("rate", 0, 1);
          if (out.rate >= 1) invalid(env, layer.at("rate"), "a number from 0 to below 1", layer.get("rate"));
          out.seed = (uint32_t)get_int(layer.get("seed"), layer.at("seed"), 0, 4294967295LL);
          break;
        case LayerKind::BatchNorm:
          out.momentum = layer.num("momentum", 0, 1);
          out.epsilon = layer.num("epsilon", 1e-30, kHuge);
          out.center = layer.flag("center");
          out.scale = layer.flag("scale");
          out.trainable = layer.flag("trainable");
          params += d * (2 + (out.center ? 1 : 0) + (out.scale ? 1 : 0));
          break;
        case LayerKind::LayerNorm:
          out.epsilon = layer.num("epsilon", 1e-30, kHuge);
          out.center = layer.flag("center");
          out.scale = layer.flag("scale");
          out.trainable = layer.flag("trainable");
          params += d * ((out.center ? 1 : 0) + (out.scale ? 1 : 0));
          break;
        case LayerKind::Dense: break;
      }
    }
    if (params > 2147483647LL)
      throw_coded(env, Code::InvalidArg, "Expected at most 2147483647 parameters for spec but " + path +
                                              " brings the count to " + std::to_string(params));
    dim = out.out_dim;
    spec.layers.push_back(out);
  }

  FieldReader lo{get_object(r.get("loss"), "spec.loss"), "spec.loss"};
  spec.loss.id = (LossId)get_name(lo.get("id"), lo.at("id"), kLossNames, kLossCount);
  spec.loss.from_logits = lo.flag("fromLogits");
  spec.loss.delta = lo.num("delta", 1e-30, kHuge);

  FieldReader o{get_object(r.get("optimizer"), "spec.optimizer"), "spec.optimizer"};
  OptSpec& op = spec.opt;
  op.id = (OptId)get_name(o.get("id"), o.at("id"), kOptNames, kOptCount);
  op.lr = o.num("learningRate", 0, kHuge);
  op.schedule = read_schedule(o.get("schedule"), o.at("schedule"));
  op.momentum = o.num("momentum", 0, kHuge);
  op.nesterov = o.flag("nesterov");
  op.beta1 = o.num("beta1", 0, 1);
  op.beta2 = o.num("beta2", 0, 1);
  if (op.beta1 >= 1) invalid(env, o.at("beta1"), "a number from 0 to below 1", o.get("beta1"));
  op.epsilon = o.num("epsilon", 0, kHuge);
  op.amsgrad = o.flag("amsgrad");
  op.weight_decay = o.num("weightDecay", 0, kHuge);
  op.rho = o.num("rho", 0, 1);
  op.centered = o.flag("centered");
  op.initial_accumulator = o.num("initialAccumulatorValue", 0, kHuge);
  op.clipnorm = o.num("clipnorm", 0, kHuge);
  op.clipvalue = o.num("clipvalue", 0, kHuge);
  op.global_clipnorm = o.num("globalClipnorm", 0, kHuge);
  int clips = (op.clipnorm > 0) + (op.clipvalue > 0) + (op.global_clipnorm > 0);
  if (clips > 1)
    throw_coded(env, Code::InvalidArg,
                "Expected at most one of clipnorm, clipvalue, globalClipnorm for spec.optimizer but received " +
                    std::to_string(clips) + " non-zero");
  return spec;
}

}  // namespace blasnet_binding
