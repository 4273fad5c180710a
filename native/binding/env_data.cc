#include "binding/env_data.h"

namespace blasnet_binding {

namespace {

// Runs while the environment is torn down, before its ArrayBuffers are freed.
void stop_jobs(void* arg) {
  auto* jobs = static_cast<std::shared_ptr<EnvJobs>*>(arg);
  {
    std::unique_lock<std::mutex> lock((*jobs)->mutex);
    (*jobs)->torn_down = true;
    for (std::atomic<bool>* cancel : (*jobs)->cancel_flags) cancel->store(true);
    (*jobs)->idle.wait(lock, [&] { return (*jobs)->executing == 0; });
  }
  delete jobs;
}

}  // namespace

BindingData* binding_data(Napi::Env env) {
  BindingData* data = env.GetInstanceData<BindingData>();
  if (!data) {
    data = new BindingData();
    data->jobs = std::make_shared<EnvJobs>();
    napi_add_env_cleanup_hook(env, stop_jobs, new std::shared_ptr<EnvJobs>(data->jobs));
    env.SetInstanceData<BindingData>(data);
  }
  return data;
}

}  // namespace blasnet_binding
