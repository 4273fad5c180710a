#include "binding/calls.h"

#include <string>

#include "binding/spec.h"

namespace blasnet_binding {

using blasnet::Status;

Napi::Float32Array new_f32(Napi::Env env, uint64_t n) {
  if (n > 4294967295ULL)
    throw_coded(env, Code::OutOfMemory, "Cannot allocate a Float32Array of " + std::to_string(n) + " elements");
  try {
    return Napi::Float32Array::New(env, (size_t)n);
  } catch (const Napi::Error& e) {
    throw_coded(env, Code::OutOfMemory,
                "Cannot allocate a Float32Array of " + std::to_string(n) + " elements: " + e.Message());
  }
}

void check_length(Napi::Env env, const FloatView& v, uint64_t want, const std::string& arg, const std::string& what) {
  if ((uint64_t)v.length != want)
    throw_coded(env, Code::ShapeMismatch, "Expected a Float32Array of length " + std::to_string(want) + " (" + what +
                                              ") for " + arg + " but received length " + std::to_string(v.length));
}

namespace {

// x, rows, cols at info[i..i+2], checked against the net.
void read_x(const Napi::CallbackInfo& info, size_t i, const blasnet::Net& net, DataArgs* d) {
  Napi::Env env = info.Env();
  d->x = get_f32(info[i], "x", false);
  d->rows = get_int(info[i + 1], "rows", 0, kMaxRows);
  d->cols = get_int(info[i + 2], "cols", 1, kMaxDim);
  if (d->cols != net.input_dim())
    throw_coded(env, Code::ShapeMismatch, "Expected " + std::to_string(net.input_dim()) +
                                              " (the net's input width) for cols but received " + std::to_string(d->cols));
  check_length(env, d->x, (uint64_t)d->rows * (uint64_t)d->cols, "x", "rows * cols");
}

// y, ycols at info[i..i+1].
void read_y(const Napi::CallbackInfo& info, size_t i, const blasnet::Net& net, DataArgs* d) {
  Napi::Env env = info.Env();
  d->y = get_f32(info[i], "y", false);
  d->ycols = get_int(info[i + 1], "ycols", 1, kMaxDim);
  if (d->ycols != net.label_dim())
    throw_coded(env, Code::ShapeMismatch, "Expected " + std::to_string(net.label_dim()) +
                                              " (the label width of this loss) for ycols but received " +
                                              std::to_string(d->ycols));
  check_length(env, d->y, (uint64_t)d->rows * (uint64_t)d->ycols, "y", "rows * ycols");
}

void read_sample_weight(const Napi::CallbackInfo& info, size_t i, DataArgs* d) {
  d->sample_weight = get_f32(info[i], "sampleWeight", true);
  if (d->sample_weight.present) check_length(info.Env(), d->sample_weight, (uint64_t)d->rows, "sampleWeight", "rows");
}

void read_preds(const Napi::CallbackInfo& info, size_t i, uint64_t rows, int64_t output_dim, DataArgs* d) {
  d->preds = get_f32(info[i], "predsOut", true);
  if (d->preds.present) check_length(info.Env(), d->preds, rows * (uint64_t)output_dim, "predsOut", "rows * outputDim");
}

// The caller's arrays among d, in the order a worker pins them.
void add_inputs(const DataArgs& d, std::vector<Napi::Value>* inputs) {
  inputs->push_back(d.x.value);
  if (d.y.present) inputs->push_back(d.y.value);
  if (d.sample_weight.present) inputs->push_back(d.sample_weight.value);
  if (d.preds.present) inputs->push_back(d.preds.value);
}

}  // namespace

TrainCall TrainCall::read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync) {
  Napi::Env env = info.Env();
  TrainCall c;
  read_x(info, 0, net, &c.d);
  read_y(info, 3, net, &c.d);
  c.order = get_u32(info[5], "order");
  c.batch = get_int(info[6], "batchSize", 1, kMaxRows);
  read_sample_weight(info, 7, &c.d);
  read_preds(info, 8, c.order.length, net.output_dim(), &c.d);
  Napi::Value progress = info[9];
  if (!progress.IsUndefined() && !progress.IsNull() && !progress.IsFunction())
    invalid(env, "progressFn", "a function or undefined", progress);
  if (progress.IsFunction()) c.progress = progress;
  add_inputs(c.d, &c.inputs);
  c.inputs.push_back(c.order.value);
  return c;
}

Status TrainCall::run(blasnet::Net& net, const blasnet::ProgressFn& progress) {
  return net.train_batches(d.x.data, (long)d.rows, (int)d.cols, d.y.data, (int)d.ycols, order.data,
                           (long)order.length, (long)batch, d.sample_weight.data, d.preds.data, progress, &result);
}

Napi::Value TrainCall::settle(Napi::Env env, const Napi::Value&) const {
  Napi::Object r = Napi::Object::New(env);
  r.Set("lossSum", Napi::Number::New(env, result.loss_sum));
  r.Set("samples", Napi::Number::New(env, (double)result.samples));
  r.Set("batches", Napi::Number::New(env, (double)result.batches));
  r.Set("nonFiniteBatch", Napi::Number::New(env, (double)result.non_finite_batch));
  return r;
}

EvaluateCall EvaluateCall::read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync) {
  EvaluateCall c;
  read_x(info, 0, net, &c.d);
  read_y(info, 3, net, &c.d);
  c.batch = get_int(info[5], "batchSize", 1, kMaxRows);
  read_sample_weight(info, 6, &c.d);
  read_preds(info, 7, c.d.rows, net.output_dim(), &c.d);
  add_inputs(c.d, &c.inputs);
  return c;
}

Status EvaluateCall::run(blasnet::Net& net, const blasnet::ProgressFn&) {
  return net.evaluate(d.x.data, (long)d.rows, (int)d.cols, d.y.data, (int)d.ycols, (long)batch,
                      d.sample_weight.data, d.preds.data, &result);
}

Napi::Value EvaluateCall::settle(Napi::Env env, const Napi::Value&) const {
  Napi::Object r = Napi::Object::New(env);
  r.Set("lossSum", Napi::Number::New(env, result.loss_sum));
  r.Set("samples", Napi::Number::New(env, (double)result.samples));
  return r;
}

PredictCall PredictCall::read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync) {
  Napi::Env env = info.Env();
  PredictCall c;
  read_x(info, 0, net, &c.d);
  if (sync && info[3].IsUndefined()) c.batch = c.d.rows > 0 ? c.d.rows : 1;
  else c.batch = get_int(info[3], "batchSize", 1, kMaxRows);
  Napi::Float32Array out = new_f32(env, (uint64_t)c.d.rows * (uint64_t)net.output_dim());
  c.out = out.Data();
  c.output = out;
  c.inputs.push_back(c.d.x.value);
  return c;
}

Status PredictCall::run(blasnet::Net& net, const blasnet::ProgressFn&) {
  return net.predict(d.x.data, (long)d.rows, (int)d.cols, (long)batch, out);
}

GradientsCall GradientsCall::read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool) {
  Napi::Env env = info.Env();
  GradientsCall c;
  read_x(info, 0, net, &c.d);
  if (c.d.rows < 1) invalid(env, "rows", "an integer from 1", info[1]);
  read_y(info, 3, net, &c.d);
  read_sample_weight(info, 5, &c.d);
  Napi::Float32Array grads = new_f32(env, (uint64_t)net.param_count());
  c.grads = grads.Data();
  c.output = grads;
  return c;
}

Status GradientsCall::run(blasnet::Net& net, const blasnet::ProgressFn&) {
  return net.compute_gradients(d.x.data, (long)d.rows, (int)d.cols, d.y.data, (int)d.ycols, d.sample_weight.data,
                               &loss, grads);
}

Napi::Value GradientsCall::settle(Napi::Env env, const Napi::Value& output) const {
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", Napi::Number::New(env, loss));
  r.Set("grads", output);
  return r;
}

}  // namespace blasnet_binding
