// The public calls of Net: creation, the loops over batches (train, evaluate, predict), gradients,
// and the parameter and state accessors. The work on one batch is in net_passes.cc.
#include "net.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "optimizers.h"
#include "regularizers.h"

namespace blasnet {

Status Net::create(const NetSpec& spec, const float* params, long n_params, std::unique_ptr<Net>* out) {
  return catch_all([&]() -> Status {
    if (spec.input_dim <= 0) return Status::Error(Code::InvalidArg, "inputDim must be a positive integer");
    if (spec.layers.empty()) return Status::Error(Code::InvalidArg, "a net needs at least one layer");
    std::unique_ptr<Net> net(new Net());
    net->spec_ = spec;
    int dim = spec.input_dim;
    for (size_t l = 0; l < spec.layers.size(); ++l) {
      LayerSpec& layer = net->spec_.layers[l];
      layer.in_dim = dim;
      if (layer.out_dim <= 0) return Status::Error(Code::InvalidArg, "layer " + std::to_string(l) + " has no width");
      if (layer.kind != LayerKind::Dense && layer.out_dim != dim)
        return Status::Error(Code::ShapeMismatch, "layer " + std::to_string(l) + " has dim " +
                                                      std::to_string(layer.out_dim) + " but its input has " +
                                                      std::to_string(dim));
      dim = layer.out_dim;
    }
    net->output_dim_ = dim;
    net->layout_ = param_layout(net->spec_);
    const long count = blasnet::param_count(net->layout_);
    if (n_params != count)
      return Status::Error(Code::ShapeMismatch, "Expected " + std::to_string(count) +
                                                    " parameters for this net but received " + std::to_string(n_params));
    net->layer_params_.resize(spec.layers.size());
    for (const ParamTensor& t : net->layout_) {
      LayerParams& p = net->layer_params_[t.layer];
      switch (t.name) {
        case TensorName::Kernel: p.kernel = t.offset; break;
        case TensorName::Bias: p.bias = t.offset; break;
        case TensorName::Gamma: p.gamma = t.offset; break;
        case TensorName::Beta: p.beta = t.offset; break;
        case TensorName::MovingMean: p.moving_mean = t.offset; break;
        case TensorName::MovingVariance: p.moving_variance = t.offset; break;
      }
    }
    net->buffers_.resize(spec.layers.size());
    net->update_trained_tensors();
    net->params_.assign(params, params + n_params);
    net->grads_.assign(n_params, 0.0f);
    net->state_.assign(optimizer_state_length(spec.opt, n_params), 0.0f);
    if (spec.opt.id == OptId::Adagrad)
      std::fill(net->state_.begin() + 1, net->state_.end(), (float)spec.opt.initial_accumulator);
    *out = std::move(net);
    return Status::Ok();
  });
}

void Net::update_trained_tensors() {
  trained_.clear();
  for (const ParamTensor& t : layout_)
    if (!t.moving && spec_.layers[t.layer].trainable) trained_.push_back(t);
}

bool Net::loss_fused() const {
  const LayerSpec& last = spec_.layers.back();
  const bool has_act = last.kind == LayerKind::Dense || last.kind == LayerKind::Activation;
  if (!has_act || spec_.loss.from_logits) return false;
  if (spec_.loss.id == LossId::Bce) return last.act.id == Act::Sigmoid;
  if (spec_.loss.id == LossId::Cce || spec_.loss.id == LossId::Scce) return last.act.id == Act::Softmax;
  return false;
}

// Workspaces for `rows` rows, allocated only when rows exceeds every batch size seen so far; the
// gradient and gather buffers only for training (predict and evaluate never pay for them).
Status Net::reserve(long rows, bool training) {
  const bool forward_grows = rows > capacity_;
  const bool backward_grows = training && rows > train_capacity_;
  if (!forward_grows && !backward_grows) return Status::Ok();
  return catch_all([&]() -> Status {
    for (size_t l = 0; l < buffers_.size(); ++l) {
      const LayerSpec& layer = spec_.layers[l];
      LayerBuffers& buf = buffers_[l];
      const size_t size = (size_t)rows * layer.out_dim;
      if (backward_grows) buf.grad_output.assign(size, 0.0f);
      if (!forward_grows) continue;
      buf.output.assign(size, 0.0f);
      switch (layer.kind) {
        case LayerKind::Dense: buf.preact.assign(size, 0.0f); break;
        case LayerKind::Activation: break;
        case LayerKind::Dropout: buf.dropout_mask.assign(size, 0.0f); break;
        case LayerKind::BatchNorm:
          buf.xhat.assign(size, 0.0f);
          buf.mean.assign(layer.out_dim, 0.0f);
          buf.var.assign(layer.out_dim, 0.0f);
          break;
        case LayerKind::LayerNorm:
          buf.xhat.assign(size, 0.0f);
          buf.rstd.assign(rows, 0.0f);
          break;
      }
    }
    if (backward_grows) {
      batch_x_.assign((size_t)rows * spec_.input_dim, 0.0f);
      batch_y_.assign((size_t)rows * std::max(output_dim_, 1), 0.0f);
      batch_w_.assign((size_t)rows, 0.0f);
      train_capacity_ = rows;
    }
    if (forward_grows) capacity_ = rows;
    return Status::Ok();
  });
}

Status Net::train_batches(const float* x, long rows, int cols, const float* y, int ycols, const uint32_t* order,
                          long n_order, long batch, const float* sample_weight, float* preds_out,
                          const ProgressFn& progress, TrainResult* result) {
  if (cols != spec_.input_dim || ycols != label_dim() || batch < 1 || rows < 0 || n_order < 0)
    return Status::Error(Code::ShapeMismatch, "train_batches: shapes do not match the net");
  *result = TrainResult();
  if (n_order == 0) return Status::Ok();
  packed_stale_ = true;
  Status st = reserve(std::min(batch, n_order), true);
  if (!st.ok()) return st;
  return catch_all([&]() -> Status {
    const int in = spec_.input_dim, od = output_dim_;
    const long n_batches = (n_order + batch - 1) / batch;
    for (long b = 0; b < n_batches; ++b) {
      const long start = b * batch;
      const int n = (int)std::min(batch, n_order - start);
      // 1. Gather the rows (each index read once and checked: JavaScript may change `order` meanwhile).
      for (int i = 0; i < n; ++i) {
        const uint32_t r = order[start + i];
        if ((long)r >= rows)
          return Status::Error(Code::InvalidArg, "Expected row indices below " + std::to_string(rows) + " for order[" +
                                                     std::to_string(start + i) + "] but received " + std::to_string(r));
        std::memcpy(batch_x_.data() + (size_t)i * in, x + (size_t)r * cols, sizeof(float) * in);
        std::memcpy(batch_y_.data() + (size_t)i * ycols, y + (size_t)r * ycols, sizeof(float) * ycols);
        batch_w_[i] = sample_weight ? sample_weight[r] : 1.0f;
      }
      // 2-3. Forward in training mode; the outputs before this batch's update.
      forward(batch_x_.data(), n, true, (uint32_t)state_[0]);
      if (preds_out) std::memcpy(preds_out + (size_t)start * od, buffers_.back().out, sizeof(float) * (size_t)n * od);
      // 4-5. The loss; a non-finite one stops the call before anything is applied.
      double batch_loss = 0;
      st = loss(batch_y_.data(), sample_weight ? batch_w_.data() : nullptr, n, true, &batch_loss);
      if (!st.ok()) return st;
      if (!std::isfinite(batch_loss)) {
        result->non_finite_batch = result->batches;
        return Status::Ok();
      }
      // 6-9. Gradients, regularization, clipping, the update and the constraints.
      backward(n);
      regularization_backward(trained_, params_.data(), grads_.data());
      clip_gradients(spec_.opt, trained_, grads_.data());
      apply_update();
      result->loss_sum += batch_loss * n;
      result->samples += n;
      result->batches += 1;
      if (progress && !progress(result->batches, result->loss_sum, result->samples))
        return Status::Error(Code::Cancelled, "training was stopped by its progress callback");
    }
    return Status::Ok();
  });
}

template <typename Sink>
Status Net::infer_batches(const float* x, long rows, long batch, bool one_row, Sink&& sink) {
  Status st = reserve(std::min(batch, rows), false);
  if (!st.ok()) return st;
  return catch_all([&]() -> Status {
    for (long start = 0; start < rows; start += batch) {
      const int n = (int)std::min(batch, rows - start);
      forward(x + (size_t)start * spec_.input_dim, n, false, 0, one_row);
      Status s = sink(start, n, static_cast<const float*>(buffers_.back().out));
      if (!s.ok()) return s;
    }
    return Status::Ok();
  });
}

Status Net::evaluate(const float* x, long rows, int cols, const float* y, int ycols, long batch,
                     const float* sample_weight, float* preds_out, EvalResult* result) {
  if (cols != spec_.input_dim || ycols != label_dim() || batch < 1 || rows < 0)
    return Status::Error(Code::ShapeMismatch, "evaluate: shapes do not match the net");
  *result = EvalResult();
  if (rows == 0) return Status::Ok();
  const int od = output_dim_;
  return infer_batches(x, rows, batch, false, [&](long start, int n, const float* output) -> Status {
    if (preds_out) std::memcpy(preds_out + (size_t)start * od, output, sizeof(float) * (size_t)n * od);
    double batch_loss = 0;
    Status s = loss(y + (size_t)start * ycols, sample_weight ? sample_weight + start : nullptr, n, false, &batch_loss);
    if (!s.ok()) return s;
    result->loss_sum += batch_loss * n;
    result->samples += n;
    return Status::Ok();
  });
}

Status Net::predict(const float* x, long rows, int cols, long batch, float* out) {
  if (cols != spec_.input_dim || batch < 1 || rows < 0)
    return Status::Error(Code::ShapeMismatch, "predict: shapes do not match the net");
  if (rows == 0) return Status::Ok();
  if (packed_inference()) return predict_packed(x, rows, out);
  const int od = output_dim_;
  return infer_batches(x, rows, batch, rows == 1, [&](long start, int n, const float* output) -> Status {
    std::memcpy(out + (size_t)start * od, output, sizeof(float) * (size_t)n * od);
    return Status::Ok();
  });
}

Status Net::compute_gradients(const float* x, long rows, int cols, const float* y, int ycols,
                              const float* sample_weight, double* loss_out, float* grads_out) {
  if (cols != spec_.input_dim || ycols != label_dim() || rows < 1)
    return Status::Error(Code::ShapeMismatch, "compute_gradients: shapes do not match the net");
  Status st = reserve(rows, true);
  if (!st.ok()) return st;
  return catch_all([&]() -> Status {
    const int n = (int)rows;
    forward(x, n, true, (uint32_t)state_[0]);
    double batch_loss = 0;
    Status s = loss(y, sample_weight, n, true, &batch_loss);
    if (!s.ok()) return s;
    std::fill(grads_.begin(), grads_.end(), 0.0f);
    backward(n);
    regularization_backward(trained_, params_.data(), grads_.data());
    *loss_out = batch_loss;
    std::memcpy(grads_out, grads_.data(), sizeof(float) * grads_.size());
    return Status::Ok();
  });
}

Status Net::set_params(const float* p, long n) {
  if (n != (long)params_.size())
    return Status::Error(Code::ShapeMismatch, "Expected " + std::to_string(params_.size()) +
                                                  " parameters but received " + std::to_string(n));
  std::memcpy(params_.data(), p, sizeof(float) * n);
  packed_stale_ = true;
  return Status::Ok();
}

Status Net::set_optimizer_state(const float* s, long n) {
  if (n != (long)state_.size())
    return Status::Error(Code::ShapeMismatch, "Expected an optimizer state of length " +
                                                  std::to_string(state_.size()) + " but received " + std::to_string(n));
  std::memcpy(state_.data(), s, sizeof(float) * n);
  return Status::Ok();
}

Status Net::set_trainable(int layer, bool trainable) {
  if (layer < 0 || layer >= (int)spec_.layers.size())
    return Status::Error(Code::InvalidArg, "layer index out of range");
  spec_.layers[layer].trainable = trainable;
  update_trained_tensors();
  return Status::Ok();
}

}  // namespace blasnet
