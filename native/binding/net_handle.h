// NetHandle: the JavaScript object of one core net (blasnet::Net), made by `new NetHandle(spec, params)`.
// lib/engine/native.ts wraps it into the engine's NativeNet. One call at a time: a call while a worker
// runs throws ERR_BUSY; dispose() during one is deferred to its end.
#pragma once
#include <napi.h>

#include <memory>

#include "core/net.h"

namespace blasnet_binding {

class NetHandle : public Napi::ObjectWrap<NetHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetHandle(const Napi::CallbackInfo& info);
  ~NetHandle() override = default;  // frees the core net (the finalizer path)

  // Shared with running workers so the core outlives this object if the environment tears it down
  // while a worker still runs.
  std::shared_ptr<blasnet::Net> core() { return net_; }
  // Called on the main thread when a worker finishes: clears busy, runs a deferred dispose.
  void end_work();

 private:
  // A call of calls.h on a worker (returns a promise) or on this thread (returns the result).
  template <class Call>
  Napi::Value Start(const Napi::CallbackInfo& info);
  template <class Call>
  Napi::Value RunNow(const Napi::CallbackInfo& info);

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
  template <typename Set>
  Napi::Value CopyIn(const Napi::CallbackInfo& info, const char* method, const char* arg, int64_t length,
                     const char* what, Set set);

  // The JS-facing form of a method: C++ exceptions become coded JS errors (args.h map_exceptions).
  template <Napi::Value (NetHandle::*M)(const Napi::CallbackInfo&)>
  Napi::Value ExceptionMapped(const Napi::CallbackInfo& info);

  // Throws ERR_DISPOSED / ERR_BUSY unless the net can take a call now.
  void check_ready(Napi::Env env, const char* method);

  std::shared_ptr<blasnet::Net> net_;
  bool disposed_ = false;
  bool busy_ = false;
  int64_t param_count_ = 0, output_dim_ = 0, input_dim_ = 0, state_length_ = 0;
};

}  // namespace blasnet_binding
