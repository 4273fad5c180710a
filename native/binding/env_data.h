// What the binding keeps per Node environment (the main thread and each worker_threads Worker).
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

namespace blasnet_binding {

// The calls of one environment executing on engine threads: they read and write that environment's
// ArrayBuffers, so its teardown (a Worker terminated, the process leaving) cancels them and waits
// until they have stopped before those buffers can go.
struct EnvJobs {
  std::mutex mutex;
  std::condition_variable idle;
  int executing = 0;
  bool torn_down = false;
  std::set<std::atomic<bool>*> cancel_flags;
};

struct BindingData {
  // ArrayBuffer.prototype's own `resizable` getter, looked up once (empty on Node versions without
  // resizable buffers).
  Napi::FunctionReference resizable_getter;
  bool looked_up = false;
  Napi::FunctionReference mark_untransferable;  // worker_threads.markAsUntransferable, set by the loader
  std::shared_ptr<EnvJobs> jobs;
};

// This environment's data, made on first use (with the cleanup hook that stops its jobs).
BindingData* binding_data(Napi::Env env);

}  // namespace blasnet_binding
