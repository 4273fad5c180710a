#include "binding/engine_pool.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/gemm.h"

namespace blasnet_binding {

namespace {

constexpr auto kIdleExit = std::chrono::seconds(30);

struct Pool {
  std::mutex mutex;
  std::condition_variable work;
  std::deque<std::shared_ptr<PoolTask>> queue;
  int cores = std::max(1, (int)std::thread::hardware_concurrency());
  int threads = 0;        // engine threads alive
  int running = 0;        // tasks executing on them
  int active = 0;         // tasks started and not yet settled on their JavaScript thread
  int sync_calls = 0;     // BLAS calls on JavaScript threads
  int blas_requested = 0; // setNumThreads (0: OpenBLAS's own count, read at first use)
  int blas_current = 0;   // what OpenBLAS is set to now
  uint64_t next_seq = 0;
  // A setNumThreads applies once every task submitted before it has settled: how many of them remain.
  uint64_t request_seq = 0;
  int request_waits_for = 0;
};

// Leaked: detached threads may still wait on it while the process exits.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

void read_blas_count(Pool& p) {
  if (p.blas_current == 0) p.blas_current = std::max(1, blasnet::get_threads());
  if (p.blas_requested == 0) p.blas_requested = p.blas_current;
}

// Applies a setNumThreads once the tasks submitted before it have settled and nothing runs; says
// whether a new task may start (lock held).
bool may_start(Pool& p) {
  read_blas_count(p);
  const bool change = p.blas_requested != p.blas_current;
  if (change && p.request_waits_for == 0 && p.active == 0 && p.sync_calls == 0) {
    blasnet::set_threads(p.blas_requested);
    p.blas_current = p.blas_requested;
  }
  if (p.queue.empty()) return false;
  // A change waits for the tasks queued before it, which start as usual; later ones wait for the change.
  if (p.blas_requested != p.blas_current && p.request_waits_for == 0) return false;
  return p.running < std::max(1, p.cores / p.blas_current);
}

void thread_main() {
  Pool& p = pool();
  std::unique_lock<std::mutex> lock(p.mutex);
  for (;;) {
    if (!p.work.wait_for(lock, kIdleExit, [&] { return may_start(p); })) {
      --p.threads;
      return;
    }
    std::shared_ptr<PoolTask> task = std::move(p.queue.front());
    p.queue.pop_front();
    ++p.running;
    ++p.active;
    lock.unlock();
    task->execute();
    task.reset();
    lock.lock();
    --p.running;
    p.work.notify_all();
  }
}

// Starts threads for the tasks that may start now (lock held).
void wake(Pool& p) {
  if (!may_start(p)) return;
  const int cap = std::max(1, p.cores / p.blas_current);
  const int want_threads = std::min(cap, p.running + (int)p.queue.size());
  while (p.threads < want_threads) {
    std::thread(thread_main).detach();  // may throw std::system_error
    ++p.threads;
  }
  p.work.notify_all();
}

// wake() for the callers that cannot fail: when no new thread starts, the threads alive keep serving
// the queue (only pool_submit, which may find none alive, reports the failure).
void wake_if_possible(Pool& p) {
  try {
    wake(p);
  } catch (...) {
  }
}

}  // namespace

uint64_t pool_submit(std::shared_ptr<PoolTask> task) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.queue.push_back(std::move(task));
  try {
    wake(p);
  } catch (...) {
    if (p.threads == 0) {
      p.queue.pop_back();
      throw;
    }
  }
  return p.next_seq++;  // under the lock: a thread that took the task cannot settle it before this returns
}

void pool_task_settled(uint64_t seq) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.active > 0) --p.active;
  if (seq < p.request_seq && p.request_waits_for > 0) --p.request_waits_for;
  wake_if_possible(p);
}

void pool_set_cores(int cores) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.cores = std::max(1, cores);
}

void blas_use_begin() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  ++p.sync_calls;
}

void blas_use_end() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.sync_calls > 0) --p.sync_calls;
  wake_if_possible(p);
}

bool request_blas_threads(int n) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  read_blas_count(p);
  p.blas_requested = std::max(1, n);
  p.request_seq = p.next_seq;
  p.request_waits_for = p.active + (int)p.queue.size();
  wake_if_possible(p);
  return p.blas_current == p.blas_requested;
}

PoolInfo pool_info() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  read_blas_count(p);
  return {p.cores, p.threads, p.running, (int)p.queue.size(), p.active, p.blas_current};
}

}  // namespace blasnet_binding
