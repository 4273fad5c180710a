// What core_test's files share: one failure count and one CHECK that records a failure and goes on, so a run
// lists every broken case, not only the first; the layer specs both build nets from.
#pragma once
#include <cstdio>
#include <random>

#include "core/spec.h"

namespace blasnet_test {
inline int failures = 0;
inline float uniform(std::mt19937& rng, float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

inline blasnet::LayerSpec dense(int units, blasnet::Act act, double alpha = 0) {
  blasnet::LayerSpec l;
  l.kind = blasnet::LayerKind::Dense;
  l.out_dim = units;
  l.act.id = act;
  l.act.alpha = alpha;
  return l;
}

/** A layer without an activation (dropout, the normalizations, flatten) keeping `dim` outputs. */
inline blasnet::LayerSpec plain(blasnet::LayerKind k, int dim) {
  blasnet::LayerSpec l;
  l.kind = k;
  l.out_dim = dim;
  return l;
}
}  // namespace blasnet_test

#define CHECK(cond, ...)                                 \
  do {                                                   \
    if (!(cond)) {                                       \
      ++blasnet_test::failures;                          \
      std::printf("FAIL %s:%d: ", __FILE__, __LINE__);   \
      std::printf(__VA_ARGS__);                          \
      std::printf("\n");                                 \
    }                                                    \
  } while (0)
