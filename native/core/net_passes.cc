// One batch through the net: the forward pass, the loss, the backward pass and the update (SPEC.md
// "One training step", steps 2 to 9). lib/engine/js/passes.ts is the same code in TypeScript.
#include <algorithm>
#include <cstring>

#include "activations.h"
#include "gemm.h"
#include "layers.h"
#include "losses.h"
#include "net.h"
#include "optimizers.h"
#include "parallel.h"
#include "regularizers.h"
#include "row_kernel.h"

namespace blasnet {

namespace {
// The optimizer update is shared among the BLAS thread count's threads from this many trained values
// on (below it, waking a helper costs more than it saves), in slices of kUpdateSlice values.
constexpr long kParallelUpdate = 1 << 16;
constexpr long kUpdateSlice = 1 << 14;
}  // namespace

// X[n, input_dim] -> buffers_.back().out[n, output_dim]; every layer keeps what its backward needs.
void Net::forward(const float* X, int n, bool training, uint32_t step, bool one_row) {
  const float* in = X;
  for (size_t l = 0; l < buffers_.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const LayerParams& p = layer_params_[l];
    LayerBuffers& buf = buffers_[l];
    buf.input = in;
    const int d = layer.out_dim;
    switch (layer.kind) {
      case LayerKind::Dense: {
        float* A = layer.act.id == Act::Linear ? buf.preact.data() : buf.output.data();
        if (one_row) {  // a one-row predict: stream the kernel once instead of sgemm's packing (row_kernel.h)
          row_times_kernel(layer.in_dim, d, in, param(p.kernel), buf.preact.data());
          if (!row_bias_act(layer.act, d, buf.preact.data(), param(p.bias), A))
            act_forward(layer.act, 1, d, buf.preact.data(), param(p.bias), A);
        } else {
          dense_forward(n, layer.in_dim, d, in, param(p.kernel), param(p.bias), layer.act, buf.preact.data(), A);
        }
        buf.preact_in = buf.preact.data();
        buf.out = A;
        break;
      }
      case LayerKind::Activation:
        act_forward_nobias(layer.act, n, d, in, buf.output.data());
        buf.preact_in = const_cast<float*>(in);
        buf.out = buf.output.data();
        break;
      case LayerKind::Dropout:
        if (training && layer.rate > 0) {
          dropout_forward(n, d, in, layer.rate, layer.seed, step, buf.dropout_mask.data(), buf.output.data());
          buf.out = buf.output.data();
        } else {
          buf.out = const_cast<float*>(in);  // identity: no copy
        }
        break;
      case LayerKind::BatchNorm:
        buf.batch_stats = training && layer.trainable;
        if (buf.batch_stats)
          batchnorm_forward_train(n, d, in, param(p.gamma), param(p.beta), layer.epsilon, buf.mean.data(),
                                  buf.var.data(), buf.xhat.data(), buf.output.data());
        else
          batchnorm_forward_infer(n, d, in, param(p.gamma), param(p.beta), param(p.moving_mean),
                                  param(p.moving_variance), layer.epsilon, buf.output.data());
        buf.out = buf.output.data();
        break;
      case LayerKind::LayerNorm:
        layernorm_forward(n, d, in, param(p.gamma), param(p.beta), layer.epsilon, buf.rstd.data(), buf.xhat.data(),
                          buf.output.data());
        buf.out = buf.output.data();
        break;
    }
    in = buf.out;
  }
}

// Y[n, label_dim], w[n] or null. The fused losses take the last layer's pre-activation as logits.
Status Net::loss(const float* Y, const float* w, int n, bool want_grad, double* batch_loss) {
  LayerBuffers& last = buffers_.back();
  const bool fused = loss_fused();
  const bool logits = fused || spec_.loss.from_logits;
  const float* P = fused ? last.preact_in : last.out;
  double weighted_sum = 0;
  Status st = loss_eval(spec_.loss, logits, n, output_dim_, P, Y, w, &weighted_sum,
                        want_grad ? last.grad_output.data() : nullptr);
  if (!st.ok()) return st;
  *batch_loss = weighted_sum / n + regularization_forward(trained_, params_.data());
  return Status::Ok();
}

// From the last layer's grad_output (the loss gradient) back to the first layer: every parameter
// gradient into grads_ (zeros for frozen layers), each layer's input gradient into the grad_output of
// the layer before it.
void Net::backward(int n) {
  const bool fused = loss_fused();
  for (long l = (long)buffers_.size() - 1; l >= 0; --l) {
    const LayerSpec& layer = spec_.layers[l];
    const LayerParams& p = layer_params_[l];
    LayerBuffers& buf = buffers_[l];
    const int d = layer.out_dim;
    float* dIn = l > 0 ? buffers_[l - 1].grad_output.data() : nullptr;
    const bool skip_act = fused && l == (long)buffers_.size() - 1;  // the loss gradient is already w.r.t. Z
    float* dOut = buf.grad_output.data();
    switch (layer.kind) {
      case LayerKind::Dense: {
        if (!skip_act) act_backward(layer.act, n, d, buf.preact_in, buf.out, dOut, dOut);
        const bool trained = layer.trainable;
        if (!trained) {
          std::fill(grad(p.kernel), grad(p.kernel) + (long)layer.in_dim * d, 0.0f);
          if (p.bias >= 0) std::fill(grad(p.bias), grad(p.bias) + d, 0.0f);
        }
        dense_backward(n, layer.in_dim, d, buf.input, param(p.kernel), dOut, trained ? grad(p.kernel) : nullptr,
                       trained ? grad(p.bias) : nullptr, dIn);
        break;
      }
      case LayerKind::Activation:
        if (!dIn) break;
        if (skip_act) std::memcpy(dIn, dOut, sizeof(float) * (size_t)n * d);
        else act_backward(layer.act, n, d, buf.preact_in, buf.out, dOut, dIn);
        break;
      case LayerKind::Dropout:
        if (!dIn) break;
        if (buf.out == buf.input) std::memcpy(dIn, dOut, sizeof(float) * (size_t)n * d);
        else dropout_backward(n, d, dOut, buf.dropout_mask.data(), layer.rate, dIn);
        break;
      case LayerKind::BatchNorm: {
        // With batch statistics the layer is trainable (a frozen one runs in inference mode).
        float* dgamma = grad(p.gamma);
        float* dbeta = grad(p.beta);
        if (buf.batch_stats) {
          batchnorm_backward_train(n, d, dOut, buf.xhat.data(), buf.var.data(), param(p.gamma), layer.epsilon, dgamma,
                                   dbeta, dIn);
        } else {
          if (dgamma) std::fill(dgamma, dgamma + d, 0.0f);
          if (dbeta) std::fill(dbeta, dbeta + d, 0.0f);
          if (dIn) batchnorm_backward_infer(n, d, dOut, param(p.gamma), param(p.moving_variance), layer.epsilon, dIn);
        }
        break;
      }
      case LayerKind::LayerNorm: {
        float* dgamma = grad(p.gamma);
        float* dbeta = grad(p.beta);
        if (!layer.trainable) {
          if (dgamma) std::fill(dgamma, dgamma + d, 0.0f);
          if (dbeta) std::fill(dbeta, dbeta + d, 0.0f);
          dgamma = dbeta = nullptr;
        }
        layernorm_backward(n, d, dOut, buf.xhat.data(), buf.rstd.data(), param(p.gamma), dgamma, dbeta, dIn);
        break;
      }
    }
  }
}

// Steps 8 and 9: iterations += 1, the optimizer update of every trained tensor, the moving statistics
// of batch-statistics batchNormalization layers, then the MaxNorm constraints.
void Net::apply_update() {
  const OptSpec& o = spec_.opt;
  const long P = (long)params_.size();
  const float iterations = state_[0] + 1.0f;
  state_[0] = iterations;
  const double t = iterations;
  const double lr = schedule_lr(o, o.lr, t - 1.0);
  long trained_values = 0, slices = 0;
  for (const ParamTensor& tensor : trained_) {
    trained_values += tensor.size;
    slices += (tensor.size + kUpdateSlice - 1) / kUpdateSlice;
  }
  const int threads = trained_values < kParallelUpdate ? 1 : get_threads();
  if (threads <= 1) {
    for (const ParamTensor& tensor : trained_)
      optimizer_update(o, lr, t, params_.data(), grads_.data(), state_.data() + 1, P, tensor.offset, tensor.size);
  } else {
    // Every value's update reads and writes only its own weight, gradient and slots: slices of the
    // tensors on several threads give the same bits as one loop.
    run_tasks(threads, (int)slices, [&](int, int task) {
      long k = task;
      for (const ParamTensor& tensor : trained_) {
        const long n = (tensor.size + kUpdateSlice - 1) / kUpdateSlice;
        if (k >= n) {
          k -= n;
          continue;
        }
        const long off = tensor.offset + k * kUpdateSlice;
        optimizer_update(o, lr, t, params_.data(), grads_.data(), state_.data() + 1, P, off,
                         std::min(kUpdateSlice, tensor.offset + tensor.size - off));
        return;
      }
    });
  }
  for (size_t l = 0; l < buffers_.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const LayerParams& p = layer_params_[l];
    if (layer.kind == LayerKind::BatchNorm && buffers_[l].batch_stats)
      batchnorm_update_moving(layer.out_dim, buffers_[l].mean.data(), buffers_[l].var.data(), layer.momentum,
                              params_.data() + p.moving_mean, params_.data() + p.moving_variance);
    if (layer.kind == LayerKind::Dense && layer.trainable && layer.kernel_max_norm > 0)
      dense_max_norm(layer.in_dim, layer.out_dim, params_.data() + p.kernel, layer.kernel_max_norm);
  }
}

}  // namespace blasnet
