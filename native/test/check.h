// What core_test's files share: one failure count and one CHECK that records a failure and goes on, so a run
// lists every broken case, not only the first.
#pragma once
#include <cstdio>
#include <random>

namespace blasnet_test {
inline int failures = 0;
inline float uniform(std::mt19937& rng, float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }
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
