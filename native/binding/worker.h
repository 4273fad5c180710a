// The one worker of the binding: runs a call (calls.h) on a libuv pool thread and settles its promise
// on the JavaScript thread. It holds the net (its JS object and a share of the core net) and every JS
// value the call uses until it ends. Progress reaches JavaScript at most every 100 ms, and once at the
// end with the report that covers every batch.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "binding/blas_threads.h"
#include "binding/calls.h"
#include "binding/net_handle.h"

namespace blasnet_binding {

// Calls the JS progress function with a report; an exception it throws propagates.
inline void call_progress(Napi::Env env, const Napi::Function& fn, const ProgressReport& r) {
  fn.Call({Napi::Number::New(env, (double)r.batches), Napi::Number::New(env, r.loss_sum),
           Napi::Number::New(env, (double)r.samples)});
}

template <class Call>
class NetWorker : public Napi::AsyncProgressQueueWorker<ProgressReport> {
 public:
  // The call's inputs must be pinned before: pin_buffer calls into JS and may throw, and a constructor
  // that throws after AsyncProgressQueueWorker made its thread-safe function leaves that function's
  // finalizer pointing at a freed worker.
  NetWorker(Napi::Env env, NetHandle* owner, Napi::Object self, Call call)
      : Napi::AsyncProgressQueueWorker<ProgressReport>(env, (std::string("blasnet.") + Call::kAsyncName).c_str()),
        owner_(owner),
        net_(owner->core()),
        self_(Napi::Persistent(self)),
        deferred_(Napi::Promise::Deferred::New(env)),
        call_(std::move(call)) {
    for (const Napi::Value& v : call_.inputs)
      if (v.IsObject()) inputs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    const NetCall& values = call_;
    if (!values.output.IsEmpty()) output_ = Napi::Persistent(values.output.As<Napi::Object>());
    if (!values.progress.IsEmpty()) progress_ = Napi::Persistent(values.progress.As<Napi::Function>());
    wants_progress_ = !progress_.IsEmpty();
    blas_use_begin();
  }
  ~NetWorker() override { blas_use_end(); }  // after OnOK / OnError: a deferred setNumThreads may apply now

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& p) override {
    using clock = std::chrono::steady_clock;
    auto last = clock::now();
    blasnet::ProgressFn progress = [&](long b, double l, long s) {
      if (wants_progress_) {
        auto now = clock::now();
        if (now - last >= std::chrono::milliseconds(100)) {
          last = now;
          ProgressReport r{b, l, s};
          p.Send(&r, 1);
        }
      }
      return !cancel_.load();
    };
    try {
      status_ = call_.run(*net_, progress);
    } catch (...) {
      status_ = blasnet::Status::Error(Code::Native, std::string("unexpected native failure in ") + Call::kAsyncName);
    }
  }

  void OnProgress(const ProgressReport* reports, size_t count) override {
    if (count == 0 || !wants_progress_ || cancel_.load()) return;
    deliver(reports[count - 1]);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    owner_->end_work();
    const ProgressReport last = call_.final_report();
    if (status_.ok() && wants_progress_ && !cancel_.load() && last.batches != last_sent_) deliver(last);
    if (!callback_error_.IsEmpty()) {
      deferred_.Reject(callback_error_.Value());
    } else if (!status_.ok()) {
      deferred_.Reject(coded_error(env, status_.code, status_.message).Value());
    } else {
      deferred_.Resolve(call_.settle(env, output_.IsEmpty() ? env.Undefined() : output_.Value()));
    }
  }

  void OnError(const Napi::Error& e) override {
    owner_->end_work();
    deferred_.Reject(e.Value());
  }

 private:
  // An exception the progress function throws stops the call and rejects the promise with it.
  void deliver(const ProgressReport& r) {
    last_sent_ = r.batches;
    try {
      call_progress(Env(), progress_.Value(), r);
    } catch (const Napi::Error& e) {
      if (callback_error_.IsEmpty()) callback_error_ = Napi::Persistent(e.Value());
      cancel_.store(true);
    }
  }

  NetHandle* owner_;
  std::shared_ptr<blasnet::Net> net_;  // what Execute uses (never owner_ off the main thread)
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
  Call call_;
  std::vector<Napi::ObjectReference> inputs_;
  Napi::ObjectReference output_;
  Napi::FunctionReference progress_;
  bool wants_progress_ = false;
  Napi::ObjectReference callback_error_;
  std::atomic<bool> cancel_{false};
  long last_sent_ = -1;
  blasnet::Status status_;
};

}  // namespace blasnet_binding
