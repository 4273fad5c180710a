#include "parallel.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace blasnet {

namespace {

constexpr int kMaxHelpers = 63;

// One job at a time (use_ is try-locked by the caller); helpers pick tasks through an atomic counter.
class Helpers {
 public:
  void run(int threads, int tasks, const std::function<void(int, int)>& task) {
    std::unique_lock<std::mutex> use(use_, std::try_to_lock);
    const int helpers = use.owns_lock() ? start(threads - 1) : 0;
    if (helpers == 0) {
      for (int t = 0; t < tasks; ++t) task(0, t);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      task_ = &task;
      tasks_ = tasks;
      next_.store(0);
      wanted_ = helpers;
      active_ = true;
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock<std::mutex> lock(m_);
    active_ = false;  // a helper that wakes from now on finds nothing to join
    done_.wait(lock, [&] { return inside_ == 0; });
    task_ = nullptr;
  }

 private:
  // Starts helpers until `want` exist; returns how many there are (fewer if threads cannot start).
  int start(int want) {
    if (want > kMaxHelpers) want = kMaxHelpers;
    while ((int)count_ < want) {
      try {
        std::thread(&Helpers::loop, this, (int)count_ + 1).detach();
      } catch (const std::system_error&) {
        break;
      }
      ++count_;
    }
    return want < (int)count_ ? want : (int)count_;
  }

  void work(int worker) {
    for (int t = next_.fetch_add(1); t < tasks_; t = next_.fetch_add(1)) (*task_)(worker, t);
  }

  // Never returns: the helpers live as long as the process (this object is never destroyed, so no
  // destructor can run while they wait).
  void loop(int worker) {
    unsigned long seen = 0;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (!active_ || worker > wanted_) continue;
      ++inside_;
      lock.unlock();
      work(worker);
      lock.lock();
      if (--inside_ == 0) done_.notify_one();
    }
  }

  std::mutex use_;  // held by the call using the helpers
  std::mutex m_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* task_ = nullptr;
  int tasks_ = 0, wanted_ = 0, inside_ = 0;
  bool active_ = false;
  unsigned long generation_ = 0;
  std::atomic<int> next_{0};
  unsigned count_ = 0;  // helpers started (only the thread holding use_ changes it)
};

Helpers& helpers() {
  static Helpers* h = new Helpers();  // never freed: detached helpers wait on its members until exit
  return *h;
}

}  // namespace

void run_tasks(int threads, int tasks, const std::function<void(int, int)>& task) {
  if (tasks <= 0) return;
  if (threads > tasks) threads = tasks;
  if (threads <= 1) {
    for (int t = 0; t < tasks; ++t) task(0, t);
    return;
  }
  helpers().run(threads, tasks, task);
}

}  // namespace blasnet
