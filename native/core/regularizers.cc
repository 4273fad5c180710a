#include "regularizers.h"

#include <cmath>

namespace blasnet {

double regularization_forward(const std::vector<ParamTensor>& tensors, const float* w) {
  double penalty = 0;
  for (const ParamTensor& t : tensors) {
    if (t.l1 == 0 && t.l2 == 0) continue;
    double sum_abs = 0, sum_sq = 0;
    for (long i = t.offset; i < t.offset + t.size; ++i) {
      double v = w[i];
      sum_abs += std::fabs(v);
      sum_sq += v * v;
    }
    penalty += t.l1 * sum_abs + t.l2 * sum_sq;
  }
  return penalty;
}

void regularization_backward(const std::vector<ParamTensor>& tensors, const float* w, float* g) {
  for (const ParamTensor& t : tensors) {
    if (t.l1 == 0 && t.l2 == 0) continue;
    for (long i = t.offset; i < t.offset + t.size; ++i) {
      double v = w[i];
      double sign = v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
      g[i] = (float)((double)g[i] + t.l1 * sign + 2.0 * t.l2 * v);
    }
  }
}

}  // namespace blasnet
