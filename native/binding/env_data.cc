#include "binding/env_data.h"

#include <chrono>
#include <cstdlib>

namespace blasnet_binding {

namespace {

// Every environment's jobs, for the process's exit. Leaked: engine threads may outlive static destructors.
struct LiveEnvs {
  std::mutex mutex;
  std::set<std::shared_ptr<EnvJobs>> all;
};
LiveEnvs& live_envs() {
  static LiveEnvs* envs = new LiveEnvs();
  return *envs;
}

// Cancels an environment's running calls (no new one starts) and waits until none executes: without
// end for a torn-down environment, whose buffers they use; up to `limit` at the process's exit.
void cancel_and_wait(EnvJobs& jobs, const std::chrono::milliseconds* limit) {
  std::unique_lock<std::mutex> lock(jobs.mutex);
  jobs.torn_down = true;
  for (std::atomic<bool>* cancel : jobs.cancel_flags) cancel->store(true);
  const auto stopped = [&] { return jobs.executing == 0; };
  if (limit) jobs.idle.wait_for(lock, *limit, stopped);
  else jobs.idle.wait(lock, stopped);
}

// Runs while the environment is torn down, before its ArrayBuffers are freed.
void stop_jobs(void* arg) {
  auto* jobs = static_cast<std::shared_ptr<EnvJobs>*>(arg);
  cancel_and_wait(**jobs, nullptr);
  {
    std::lock_guard<std::mutex> lock(live_envs().mutex);
    live_envs().all.erase(*jobs);
  }
  delete jobs;
}

// process.exit() runs no environment cleanup hooks on the main thread: exit() follows while an engine
// thread may still be inside a GEMM, and OpenBLAS's own exit handler (gotoblas_quit) then waits forever
// for a BLAS thread that call left busy. This atexit handler, registered after OpenBLAS was loaded, runs
// before that one: it cancels every running call (they stop at their next batch) and waits for them.
void stop_all_jobs_at_exit() {
  std::set<std::shared_ptr<EnvJobs>> envs;
  {
    std::lock_guard<std::mutex> lock(live_envs().mutex);
    envs = live_envs().all;
  }
  // Bounded: one batch's GEMMs take milliseconds; an exit must never hang on us.
  const std::chrono::milliseconds limit = std::chrono::seconds(10);
  for (const auto& jobs : envs) cancel_and_wait(*jobs, &limit);
}

}  // namespace

BindingData* binding_data(Napi::Env env) {
  BindingData* data = env.GetInstanceData<BindingData>();
  if (!data) {
    data = new BindingData();
    data->jobs = std::make_shared<EnvJobs>();
    {
      std::lock_guard<std::mutex> lock(live_envs().mutex);
      static const bool registered = std::atexit(stop_all_jobs_at_exit) == 0;
      (void)registered;
      live_envs().all.insert(data->jobs);
    }
    napi_add_env_cleanup_hook(env, stop_jobs, new std::shared_ptr<EnvJobs>(data->jobs));
    env.SetInstanceData<BindingData>(data);
  }
  return data;
}

}  // namespace blasnet_binding
