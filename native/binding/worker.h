// The one job of the binding: runs a call (calls.h) on an engine thread (engine_pool.h) and settles its
// promise on the JavaScript thread through a thread-safe function, which also carries the progress
// reports (at most every 100 ms, and once at the end with the report that covers every batch). It
// holds the net (its JS object and a share of the core net) and every JS value the call uses until it
// has settled. No JavaScript value is touched off the JavaScript thread.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "binding/calls.h"
#include "binding/engine_pool.h"
#include "binding/env_data.h"
#include "binding/net_handle.h"

namespace blasnet_binding {

// Calls the JS progress function with a report; an exception it throws propagates.
inline void call_progress(Napi::Env env, const Napi::Function& fn, const ProgressReport& r) {
  fn.Call({Napi::Number::New(env, (double)r.batches), Napi::Number::New(env, r.loss_sum),
           Napi::Number::New(env, (double)r.samples)});
}

template <class Call>
class NetJob : public PoolTask {
 public:
  // Starts the call: the caller has pinned its inputs (pin_buffer calls into JS and may throw).
  static Napi::Promise start(Napi::Env env, NetHandle* owner, Napi::Object self, Call call) {
    auto job = std::make_shared<NetJob>(env, owner, self, std::move(call));
    Napi::Promise promise = job->js_->deferred.Promise();
    auto* holder = new std::shared_ptr<NetJob>(job);  // the thread-safe function's share, freed by finalize
    napi_value name = Napi::String::New(env, std::string("blasnet.") + Call::kAsyncName);
    napi_status st = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, holder, finalize, job.get(),
                                                     call_js, &job->tsfn_);
    if (st != napi_ok) {
      delete holder;
      throw_coded(env, Code::Native, "Cannot create the thread-safe function of a native call");
    }
    try {
      job->seq_ = pool_submit(job);
    } catch (const std::exception& e) {
      job->settled_ = true;  // nothing ran: nothing to settle in the pool
      napi_release_threadsafe_function(job->tsfn_, napi_tsfn_abort);
      throw_coded(env, Code::Native, std::string("Cannot start an engine thread: ") + e.what());
    }
    return promise;
  }

  NetJob(Napi::Env env, NetHandle* owner, Napi::Object self, Call call)
      : net_(owner->core()), jobs_(binding_data(env)->jobs), call_(std::move(call)), js_(new JsSide(env)) {
    js_->owner = owner;
    js_->self = Napi::Persistent(self);
    const NetCall& values = call_;
    for (const Napi::Value& v : values.inputs)
      if (v.IsObject()) js_->inputs.push_back(Napi::Persistent(v.As<Napi::Object>()));
    if (!values.output.IsEmpty()) js_->output = Napi::Persistent(values.output.As<Napi::Object>());
    if (!values.progress.IsEmpty()) js_->progress = Napi::Persistent(values.progress.As<Napi::Function>());
    wants_progress_ = !js_->progress.IsEmpty();
  }

  // On an engine thread.
  void execute() override {
    {
      std::lock_guard<std::mutex> lock(jobs_->mutex);
      if (jobs_->torn_down) {
        status_ = blasnet::Status::Error(Code::Cancelled, "the environment that made this call was torn down");
      } else {
        ++jobs_->executing;
        jobs_->cancel_flags.insert(&cancel_);
      }
    }
    if (status_.ok()) {
      using clock = std::chrono::steady_clock;
      auto last = clock::now();
      blasnet::ProgressFn progress = [&](long b, double l, long s) {
        if (wants_progress_) {
          auto now = clock::now();
          if (now - last >= std::chrono::milliseconds(100)) {
            last = now;
            send(new Message{false, {b, l, s}});
          }
        }
        return !cancel_.load();
      };
      try {
        status_ = call_.run(*net_, progress);
      } catch (...) {
        status_ = blasnet::Status::Error(Code::Native, std::string("unexpected native failure in ") + Call::kAsyncName);
      }
      std::lock_guard<std::mutex> lock(jobs_->mutex);
      jobs_->cancel_flags.erase(&cancel_);
      --jobs_->executing;
      jobs_->idle.notify_all();
    }
    send(new Message{true, {}});
    std::lock_guard<std::mutex> lock(tsfn_mutex_);
    if (tsfn_alive_) napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
  }

 private:
  struct Message {
    bool done;
    ProgressReport report;
  };
  // Everything of JavaScript the job holds: made, used and destroyed on the JavaScript thread only.
  struct JsSide {
    explicit JsSide(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
    NetHandle* owner = nullptr;
    Napi::ObjectReference self;
    Napi::Promise::Deferred deferred;
    std::vector<Napi::ObjectReference> inputs;
    Napi::ObjectReference output;
    Napi::FunctionReference progress;
    Napi::ObjectReference callback_error;
    long last_sent = -1;
  };

  void send(Message* m) {
    std::lock_guard<std::mutex> lock(tsfn_mutex_);
    if (!tsfn_alive_ || napi_call_threadsafe_function(tsfn_, m, napi_tsfn_nonblocking) != napi_ok) delete m;
  }

  void settle_in_pool() {
    if (settled_) return;
    settled_ = true;
    pool_task_settled(seq_);
  }

  // On the JavaScript thread. env is null when Node empties the queue of a thread-safe function torn
  // down: finalize has run by then and may have freed the job, so only the message is freed.
  static void call_js(napi_env env, napi_value, void* context, void* data) {
    std::unique_ptr<Message> m(static_cast<Message*>(data));
    if (env == nullptr) return;
    auto* job = static_cast<NetJob*>(context);
    // A terminating Worker cannot run JavaScript: every Node-API call then fails (a Napi::Error here),
    // and nothing may escape into Node.
    try {
      if (job->js_) {
        Napi::Env e(env);
        Napi::HandleScope scope(e);
        if (m->done) job->settle(e);
        else if (job->wants_progress_ && !job->cancel_.load()) job->deliver(e, m->report);
      }
    } catch (...) {
    }
    if (m->done) job->settle_in_pool();
  }

  static void finalize(napi_env, void* data, void*) {
    auto* holder = static_cast<std::shared_ptr<NetJob>*>(data);
    NetJob* job = holder->get();
    {
      std::lock_guard<std::mutex> lock(job->tsfn_mutex_);
      job->tsfn_alive_ = false;
    }
    job->settle_in_pool();
    job->js_.reset();
    delete holder;  // an engine thread may still hold the last share: it no longer touches JavaScript
  }

  void settle(Napi::Env env) {
    JsSide& js = *js_;
    js.owner->end_work();
    const ProgressReport last = call_.final_report();
    if (status_.ok() && wants_progress_ && !cancel_.load() && last.batches != js.last_sent) deliver(env, last);
    // The pool may change the BLAS thread count before anything waiting on this promise runs.
    settle_in_pool();
    if (!js.callback_error.IsEmpty()) {
      js.deferred.Reject(js.callback_error.Value());
    } else if (!status_.ok()) {
      js.deferred.Reject(coded_error(env, status_.code, status_.message).Value());
    } else {
      js.deferred.Resolve(call_.settle(env, js.output.IsEmpty() ? env.Undefined() : js.output.Value()));
    }
  }

  // An exception the progress function throws stops the call and rejects the promise with it.
  void deliver(Napi::Env env, const ProgressReport& r) {
    JsSide& js = *js_;
    js.last_sent = r.batches;
    try {
      call_progress(env, js.progress.Value(), r);
    } catch (const Napi::Error& e) {
      if (js.callback_error.IsEmpty()) js.callback_error = Napi::Persistent(e.Value());
      cancel_.store(true);
    }
  }

  std::shared_ptr<blasnet::Net> net_;  // what execute() uses (never the NetHandle off the JavaScript thread)
  std::shared_ptr<EnvJobs> jobs_;
  Call call_;
  std::unique_ptr<JsSide> js_;
  bool wants_progress_ = false;
  std::atomic<bool> cancel_{false};
  blasnet::Status status_;
  uint64_t seq_ = 0;
  bool settled_ = false;  // JavaScript thread only
  std::mutex tsfn_mutex_;
  bool tsfn_alive_ = true;
  napi_threadsafe_function tsfn_ = nullptr;
};

}  // namespace blasnet_binding
