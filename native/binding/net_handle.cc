#include "binding/net_handle.h"

#include <cstring>
#include <string>
#include <vector>

#include "binding/args.h"
#include "binding/engine_pool.h"
#include "binding/calls.h"
#include "binding/spec.h"
#include "binding/worker.h"

namespace blasnet_binding {

using blasnet::Status;

namespace {

Napi::Float32Array copy_out(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = new_f32(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

}  // namespace

template <Napi::Value (NetHandle::*M)(const Napi::CallbackInfo&)>
Napi::Value NetHandle::ExceptionMapped(const Napi::CallbackInfo& info) {
  return map_exceptions(info.Env(), [&]() { return (this->*M)(info); });
}

Napi::Function NetHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "NetHandle",
      {
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::Start<TrainCall>>>(TrainCall::kAsyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::RunNow<TrainCall>>>(TrainCall::kSyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::Start<EvaluateCall>>>(EvaluateCall::kAsyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::RunNow<EvaluateCall>>>(EvaluateCall::kSyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::Start<PredictCall>>>(PredictCall::kAsyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::RunNow<PredictCall>>>(PredictCall::kSyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::RunNow<GradientsCall>>>(GradientsCall::kSyncName),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::GetParams>>("getParams"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::SetParams>>("setParams"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::GetOptimizerState>>("getOptimizerState"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::SetOptimizerState>>("setOptimizerState"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::SetLearningRate>>("setLearningRate"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::SetTrainable>>("setTrainable"),
          InstanceMethod<&NetHandle::ExceptionMapped<&NetHandle::Dispose>>("dispose"),
          InstanceAccessor<&NetHandle::GetParamCount>("paramCount"),
          InstanceAccessor<&NetHandle::GetOutputDim>("outputDim"),
          InstanceAccessor<&NetHandle::GetInputDim>("inputDim"),
          InstanceAccessor<&NetHandle::GetStateLength>("stateLength"),
          InstanceAccessor<&NetHandle::GetDisposed>("disposed"),
          InstanceAccessor<&NetHandle::GetBusy>("busy"),
      });
}

NetHandle::NetHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetHandle>(info) {
  map_exceptions(info.Env(), [&]() { construct(info); });
}

void NetHandle::construct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  blasnet::NetSpec spec = read_net_spec(info[0]);
  FloatView params = get_f32(info[1], "params", false);
  std::unique_ptr<blasnet::Net> net;
  Status st = blasnet::Net::create(spec, params.data, (long)params.length, &net);
  if (!st.ok()) throw_status(env, st);
  net_ = std::move(net);
  param_count_ = net_->param_count();
  output_dim_ = net_->output_dim();
  input_dim_ = net_->input_dim();
  state_length_ = net_->state_length();
}

void NetHandle::check_ready(Napi::Env env, const char* method) {
  if (disposed_ || !net_) throw_coded(env, Code::Disposed, std::string("Cannot call ") + method + " on a disposed net");
  if (busy_)
    throw_coded(env, Code::Busy, std::string("Cannot call ") + method +
                                     " while a trainBatches, evaluate or predict call on this net is running");
}

void NetHandle::end_work() {
  busy_ = false;
  if (disposed_) net_.reset();  // the dispose() deferred while the worker ran
}

template <class Call>
Napi::Value NetHandle::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, Call::kAsyncName);
  Call call = Call::read(info, *net_, false);
  for (const Napi::Value& v : call.inputs) pin_buffer(v);
  Napi::Promise promise = NetJob<Call>::start(env, this, info.This().As<Napi::Object>(), std::move(call));
  busy_ = true;
  return promise;
}

// The same call on the calling (JavaScript) thread, for work too small to be worth a thread hop
// (lib/engine/native.ts decides): the same checks and core call; the progress function, if any, is
// called once at the end with the final report, and an exception it throws propagates.
template <class Call>
Napi::Value NetHandle::RunNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, Call::kSyncName);
  Call call = Call::read(info, *net_, true);
  Status st;
  {
    BlasUse use;
    st = call.run(*net_, [](long, double, long) { return true; });
  }
  if (!st.ok()) throw_status(env, st);
  const NetCall& values = call;
  if (!values.progress.IsEmpty()) call_progress(env, values.progress.As<Napi::Function>(), call.final_report());
  return call.settle(env, values.output.IsEmpty() ? env.Undefined() : values.output);
}

Napi::Value NetHandle::GetParams(const Napi::CallbackInfo& info) {
  check_ready(info.Env(), "getParams");
  return copy_out(info.Env(), net_->params());
}

// setParams / setOptimizerState: a Float32Array of exactly `length` elements copied into the net.
template <typename Set>
Napi::Value NetHandle::CopyIn(const Napi::CallbackInfo& info, const char* method, const char* arg, int64_t length,
                              const char* what, Set set) {
  Napi::Env env = info.Env();
  check_ready(env, method);
  FloatView v = get_f32(info[0], arg, false);
  check_length(env, v, (uint64_t)length, arg, what);
  Status st = set(v);
  if (!st.ok()) throw_status(env, st);
  return env.Undefined();
}

Napi::Value NetHandle::SetParams(const Napi::CallbackInfo& info) {
  return CopyIn(info, "setParams", "params", param_count_, "paramCount",
                [&](const FloatView& p) { return net_->set_params(p.data, (long)p.length); });
}

Napi::Value NetHandle::GetOptimizerState(const Napi::CallbackInfo& info) {
  check_ready(info.Env(), "getOptimizerState");
  return copy_out(info.Env(), net_->optimizer_state());
}

Napi::Value NetHandle::SetOptimizerState(const Napi::CallbackInfo& info) {
  return CopyIn(info, "setOptimizerState", "state", state_length_, "the optimizer state length",
                [&](const FloatView& s) { return net_->set_optimizer_state(s.data, (long)s.length); });
}

Napi::Value NetHandle::SetLearningRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setLearningRate");
  net_->set_learning_rate(get_number(info[0], "learningRate", 0, 1e30));
  return env.Undefined();
}

Napi::Value NetHandle::SetTrainable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setTrainable");
  int64_t layer = get_int(info[0], "layer", 0, (int64_t)net_->spec().layers.size() - 1);
  bool flag = get_bool(info[1], "trainable");
  Status st = net_->set_trainable((int)layer, flag);
  if (!st.ok()) throw_status(env, st);
  return env.Undefined();
}

Napi::Value NetHandle::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  if (!busy_) net_.reset();  // else end_work() frees it when the running worker completes
  return info.Env().Undefined();
}

Napi::Value NetHandle::GetParamCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)param_count_); }
Napi::Value NetHandle::GetOutputDim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)output_dim_); }
Napi::Value NetHandle::GetInputDim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)input_dim_); }
Napi::Value NetHandle::GetStateLength(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)state_length_); }
Napi::Value NetHandle::GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }
Napi::Value NetHandle::GetBusy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

}  // namespace blasnet_binding
