// The threads the engine owns for the calls that run off the JavaScript thread (trainBatches, evaluate,
// predict), shared by every Node environment of the process, instead of libuv's pool (four threads by
// default, which fs, dns and zlib need too: sixteen fits held them all and an fs.stat waited ~0.5 s).
//
// Sizing: (engine threads running a call) x (OpenBLAS threads) never exceeds the cores, so at most
// cores / blasThreads calls run at once (one on two cores with the default of two BLAS threads, two
// after setNumThreads(1)). OpenBLAS's results depend on its thread count (it splits each GEMM into
// differently sized pieces), so the count is never lowered behind a running fit to let more calls run:
// a model's weights must not depend on what else the process runs. A setNumThreads applies once the
// calls submitted before it have settled and nothing runs.
//
// Idle threads leave after a while and never keep a process alive (the pending call's thread-safe
// function does that, and only while the call runs).
#pragma once
#include <cstdint>
#include <memory>

namespace blasnet_binding {

// Work for an engine thread.
class PoolTask {
 public:
  virtual ~PoolTask() = default;
  virtual void execute() = 0;
};

// Queues a task and returns its sequence number. It counts as active from the moment a thread takes
// it until pool_task_settled(seq). Throws std::system_error when no thread can be started at all.
uint64_t pool_submit(std::shared_ptr<PoolTask> task);
// Called once per submitted task when its result has been delivered to JavaScript (or dropped).
void pool_task_settled(uint64_t seq);

// The cores the pool plans for (the loader passes os.availableParallelism()).
void pool_set_cores(int cores);

// A native call running BLAS on a JavaScript thread (the synchronous paths and the raw sgemm).
void blas_use_begin();
void blas_use_end();
struct BlasUse {
  BlasUse() { blas_use_begin(); }
  ~BlasUse() { blas_use_end(); }
  BlasUse(const BlasUse&) = delete;
  BlasUse& operator=(const BlasUse&) = delete;
};

// setNumThreads: the OpenBLAS thread count. True if applied now, false if applied when the native
// calls submitted before it have ended.
bool request_blas_threads(int n);

struct PoolInfo {
  int cores, threads, running, queued, active, blas_threads;
};
PoolInfo pool_info();

}  // namespace blasnet_binding
