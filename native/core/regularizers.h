// Kernel and bias regularization (SPEC.md step 4 and 6) as a forward/backward pair over the tensors
// being trained: the penalty added to the batch loss, and its gradient added to the parameter gradient.
#pragma once
#include <vector>

#include "layout.h"

namespace blasnet {

// sum over tensors of l1 * sum |w| + l2 * sum w^2 (in double, tensor by tensor).
double regularization_forward(const std::vector<ParamTensor>& tensors, const float* w);

// g[i] += l1 * sign(w[i]) + 2 * l2 * w[i] for every element of a regularized tensor (sign(0) = 0).
void regularization_backward(const std::vector<ParamTensor>& tensors, const float* w, float* g);

}  // namespace blasnet
