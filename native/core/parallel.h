// Tasks of one call shared among a few threads: the caller and helpers kept for the process (started
// on first use, then asleep between calls), for the inference path that splits a batch's rows.
#pragma once
#include <functional>

namespace blasnet {

// Runs task(worker, t) for every t in [0, tasks), each exactly once, on at most `threads` threads,
// and returns when all have returned; worker (0 .. threads-1) is unique among the threads running at
// once, so it can index per-thread workspaces. The caller is worker 0. When another call holds the
// helpers, or they cannot be started, everything runs on the caller. `task` must not throw.
void run_tasks(int threads, int tasks, const std::function<void(int worker, int task)>& task);

}  // namespace blasnet
