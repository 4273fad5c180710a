// NativeNet: the JavaScript wrapper of blasnet::Net (ObjectWrap), with async workers for train,
// evaluate and predict.
#pragma once
#include <napi.h>

#include <memory>

#include "binding_args.h"

#include "core/net.h"

namespace blasnet_binding {

class NativeNet : public Napi::ObjectWrap<NativeNet> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeNet(const Napi::CallbackInfo& info);
  ~NativeNet() override = default;  // frees the core net (the finalizer path)

  // Shared with running workers so the core outlives this object if the environment tears it down
  // while a worker still runs.
  std::shared_ptr<blasnet::Net> core() { return net_; }
  // Called on the main thread when a worker finishes: clears busy, runs a deferred dispose.
  void end_work();

 private:
  Napi::Value TrainBatches(const Napi::CallbackInfo& info);
  Napi::Value TrainBatchesSync(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value EvaluateSync(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value PredictSync(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  Napi::Value GetParams(const Napi::CallbackInfo& info);
  Napi::Value SetParams(const Napi::CallbackInfo& info);
  Napi::Value GetOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value SetOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value SetLearningRate(const Napi::CallbackInfo& info);
  Napi::Value SetTrainable(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value GetParamCount(const Napi::CallbackInfo& info);
  Napi::Value GetOutputDim(const Napi::CallbackInfo& info);
  Napi::Value GetInputDim(const Napi::CallbackInfo& info);
  Napi::Value GetStateLength(const Napi::CallbackInfo& info);
  Napi::Value GetDisposed(const Napi::CallbackInfo& info);
  Napi::Value GetBusy(const Napi::CallbackInfo& info);

  void construct(const Napi::CallbackInfo& info);

  // Every JS-facing method runs through guard() (binding_args.h).
  template <Napi::Value (NativeNet::*M)(const Napi::CallbackInfo&)>
  Napi::Value Guarded(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&]() { return (this->*M)(info); });
  }

  // Throws ERR_DISPOSED / ERR_BUSY unless the net can take a call now.
  void check_ready(Napi::Env env, const char* method);

  std::shared_ptr<blasnet::Net> net_;
  bool disposed_ = false;
  bool busy_ = false;
  int64_t param_count_ = 0, output_dim_ = 0, input_dim_ = 0, state_length_ = 0;
};

}  // namespace blasnet_binding
