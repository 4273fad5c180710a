// OpenBLAS's thread count is process-wide and openblas_set_num_threads is not safe while another
// thread is inside a BLAS call (it may resize the thread pool under it). Every native call that runs
// BLAS is counted here (all Node environments of the process share the count); setNumThreads applies
// at once when none runs, else when the last running one ends.
#pragma once

namespace blasnet_binding {

void blas_use_begin();
void blas_use_end();
// Returns true if applied now, false if deferred until no native call runs.
bool request_blas_threads(int n);

// RAII for a synchronous call.
struct BlasUse {
  BlasUse() { blas_use_begin(); }
  ~BlasUse() { blas_use_end(); }
  BlasUse(const BlasUse&) = delete;
  BlasUse& operator=(const BlasUse&) = delete;
};

}  // namespace blasnet_binding
