#include "binding/blas_threads.h"

#include <mutex>

#include "core/gemm.h"

namespace blasnet_binding {

namespace {
std::mutex g_mutex;
int g_running = 0;
int g_pending = 0;  // 0 = nothing pending
}  // namespace

void blas_use_begin() {
  std::lock_guard<std::mutex> lock(g_mutex);
  ++g_running;
}

void blas_use_end() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_running > 0) --g_running;
  if (g_running == 0 && g_pending > 0) {
    blasnet::set_threads(g_pending);
    g_pending = 0;
  }
}

bool request_blas_threads(int n) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_running == 0) {
    blasnet::set_threads(n);
    g_pending = 0;
    return true;
  }
  g_pending = n;
  return false;
}

}  // namespace blasnet_binding
