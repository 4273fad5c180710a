#include "net.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "activations.h"
#include "layers.h"
#include "losses.h"
#include "optimizers.h"
#include "row_kernel.h"

namespace blasnet {

namespace {
// Runs f, turning an allocation failure into Code::OutOfMemory (nothing escapes the core).
template <typename F>
Status guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::Error(Code::OutOfMemory, "Out of memory in the native engine");
  } catch (const std::exception& e) {
    return Status::Error(Code::Native, std::string("Native engine error: ") + e.what());
  }
}

inline bool has_act(LayerKind k) { return k == LayerKind::Dense || k == LayerKind::Activation; }
}  // namespace

Status Net::create(const NetSpec& spec, const float* params, long n_params, std::unique_ptr<Net>* out) {
  return guarded([&]() -> Status {
    if (spec.input_dim <= 0) return Status::Error(Code::InvalidArg, "inputDim must be a positive integer");
    if (spec.layers.empty()) return Status::Error(Code::InvalidArg, "a net needs at least one layer");
    std::unique_ptr<Net> net(new Net());
    net->spec_ = spec;
    int dim = spec.input_dim;
    long off = 0;
    net->ls_.resize(spec.layers.size());
    for (size_t l = 0; l < spec.layers.size(); ++l) {
      LayerSpec& L = net->spec_.layers[l];
      LayerState& S = net->ls_[l];
      L.in_dim = dim;
      if (L.out_dim <= 0) return Status::Error(Code::InvalidArg, "layer " + std::to_string(l) + " has no width");
      if (L.kind != LayerKind::Dense && L.out_dim != dim)
        return Status::Error(Code::ShapeMismatch, "layer " + std::to_string(l) + " has dim " +
                                                      std::to_string(L.out_dim) + " but its input has " +
                                                      std::to_string(dim));
      auto add = [&](long* slot, long size, bool moving, double l1, double l2) {
        *slot = off;
        Tensor t;
        t.off = off;
        t.size = size;
        t.layer = (int)l;
        t.moving = moving;
        t.l1 = l1;
        t.l2 = l2;
        net->tensors_.push_back(t);
        off += size;
      };
      switch (L.kind) {
        case LayerKind::Dense:
          add(&S.kernel, (long)dim * L.out_dim, false, L.kernel_l1, L.kernel_l2);
          if (L.use_bias) add(&S.bias, L.out_dim, false, L.bias_l1, L.bias_l2);
          break;
        case LayerKind::BatchNorm:
          if (L.scale) add(&S.gamma, L.out_dim, false, 0, 0);
          if (L.center) add(&S.beta, L.out_dim, false, 0, 0);
          add(&S.mm, L.out_dim, true, 0, 0);
          add(&S.mv, L.out_dim, true, 0, 0);
          break;
        case LayerKind::LayerNorm:
          if (L.scale) add(&S.gamma, L.out_dim, false, 0, 0);
          if (L.center) add(&S.beta, L.out_dim, false, 0, 0);
          break;
        case LayerKind::Activation:
        case LayerKind::Dropout: break;
      }
      dim = L.out_dim;
    }
    net->output_dim_ = dim;
    if (n_params != off)
      return Status::Error(Code::ShapeMismatch, "Expected " + std::to_string(off) + " parameters for this net but received " +
                                                    std::to_string(n_params));
    net->params_.assign(params, params + n_params);
    net->grads_.assign(n_params, 0.0f);
    net->state_.assign(1 + (long)optimizer_slot_count(spec.opt) * n_params, 0.0f);
    if (spec.opt.id == OptId::Adagrad)
      std::fill(net->state_.begin() + 1, net->state_.end(), (float)spec.opt.initial_accumulator);
    *out = std::move(net);
    return Status::Ok();
  });
}

bool Net::tensor_trainable(const Tensor& t) const { return !t.moving && spec_.layers[t.layer].trainable; }

bool Net::loss_fused() const {
  const LayerSpec& last = spec_.layers.back();
  if (!has_act(last.kind) || spec_.loss.from_logits) return false;
  if (spec_.loss.id == LossId::Bce) return last.act.id == Act::Sigmoid;
  if (spec_.loss.id == LossId::Cce || spec_.loss.id == LossId::Scce) return last.act.id == Act::Softmax;
  return false;
}

// Workspaces for n rows, allocated only when n exceeds every batch size seen so far; the gradient
// and gather buffers only for training (predict and evaluate never pay for them).
Status Net::ensure_capacity(long n, bool training) {
  const bool fwd = n > cap_;
  const bool bwd = training && n > cap_train_;
  if (!fwd && !bwd) return Status::Ok();
  return guarded([&]() -> Status {
    for (size_t l = 0; l < ls_.size(); ++l) {
      const LayerSpec& L = spec_.layers[l];
      LayerState& S = ls_[l];
      size_t nd = (size_t)n * L.out_dim;
      if (bwd) S.dOut.assign(nd, 0.0f);
      if (!fwd) continue;
      S.A.assign(nd, 0.0f);
      switch (L.kind) {
        case LayerKind::Dense: S.Z.assign(nd, 0.0f); break;
        case LayerKind::Activation: break;
        case LayerKind::Dropout: S.mask.assign(nd, 0.0f); break;
        case LayerKind::BatchNorm:
          S.xhat.assign(nd, 0.0f);
          S.mean.assign(L.out_dim, 0.0f);
          S.var.assign(L.out_dim, 0.0f);
          break;
        case LayerKind::LayerNorm:
          S.xhat.assign(nd, 0.0f);
          S.mean.assign(n, 0.0f);
          S.rstd.assign(n, 0.0f);
          break;
      }
    }
    if (bwd) {
      xb_.assign((size_t)n * spec_.input_dim, 0.0f);
      yb_.assign((size_t)n * std::max(output_dim_, 1), 0.0f);
      wb_.assign((size_t)n, 0.0f);
      cap_train_ = n;
    }
    if (fwd) cap_ = n;
    return Status::Ok();
  });
}

void Net::forward(const float* X, int n, bool training, uint32_t step, bool one_row) {
  const float* in = X;
  float* P = params_.data();
  for (size_t l = 0; l < ls_.size(); ++l) {
    const LayerSpec& L = spec_.layers[l];
    LayerState& S = ls_[l];
    S.in = in;
    const int d = L.out_dim;
    switch (L.kind) {
      case LayerKind::Dense: {
        float* A = L.act.id == Act::Linear ? S.Z.data() : S.A.data();
        if (one_row) {  // a one-row predict: stream the kernel once instead of sgemm's packing (row_kernel.h)
          row_times_kernel(L.in_dim, d, in, P + S.kernel, S.Z.data());
          const float* b = S.bias >= 0 ? P + S.bias : nullptr;
          if (!row_bias_act(L.act, d, S.Z.data(), b, A)) act_forward(L.act, 1, d, S.Z.data(), b, A);
        } else {
          dense_forward(n, L.in_dim, d, in, P + S.kernel, S.bias >= 0 ? P + S.bias : nullptr, L.act, S.Z.data(), A);
        }
        S.z = S.Z.data();
        S.out = A;
        break;
      }
      case LayerKind::Activation:
        act_forward_nobias(L.act, n, d, in, S.A.data());
        S.z = const_cast<float*>(in);
        S.out = S.A.data();
        break;
      case LayerKind::Dropout:
        if (training && L.rate > 0) {
          dropout_forward(n, d, in, L.rate, L.seed, step, S.mask.data(), S.A.data());
          S.out = S.A.data();
        } else {
          S.out = const_cast<float*>(in);  // identity: no copy
        }
        break;
      case LayerKind::BatchNorm: {
        const float* g = S.gamma >= 0 ? P + S.gamma : nullptr;
        const float* b = S.beta >= 0 ? P + S.beta : nullptr;
        S.bn_batch_stats = training && L.trainable;
        if (S.bn_batch_stats)
          batchnorm_forward_train(n, d, in, g, b, L.epsilon, S.mean.data(), S.var.data(), S.xhat.data(), S.A.data());
        else
          batchnorm_forward_infer(n, d, in, g, b, P + S.mm, P + S.mv, L.epsilon, S.A.data());
        S.out = S.A.data();
        break;
      }
      case LayerKind::LayerNorm:
        layernorm_forward(n, d, in, S.gamma >= 0 ? P + S.gamma : nullptr, S.beta >= 0 ? P + S.beta : nullptr,
                          L.epsilon, S.mean.data(), S.rstd.data(), S.xhat.data(), S.A.data());
        S.out = S.A.data();
        break;
    }
    in = S.out;
  }
}

double Net::penalty() const {
  double pen = 0;
  for (const Tensor& t : tensors_) {
    if ((t.l1 == 0 && t.l2 == 0) || !tensor_trainable(t)) continue;
    double s1 = 0, s2 = 0;
    for (long i = t.off; i < t.off + t.size; ++i) {
      double w = params_[i];
      s1 += std::fabs(w);
      s2 += w * w;
    }
    pen += t.l1 * s1 + t.l2 * s2;
  }
  return pen;
}

Status Net::loss(const float* Y, const float* w, int n, bool want_grad, double* batch_loss) {
  LayerState& last = ls_.back();
  const bool fused = loss_fused();
  const bool logits = fused || spec_.loss.from_logits;
  const float* P = fused ? last.z : last.out;
  double wsum = 0;
  Status st = loss_eval(spec_.loss, logits, n, output_dim_, P, Y, w, &wsum, want_grad ? last.dOut.data() : nullptr);
  if (!st.ok()) return st;
  *batch_loss = wsum / n + penalty();
  return Status::Ok();
}

void Net::backward(int n) {
  float* P = params_.data();
  float* G = grads_.data();
  const bool fused = loss_fused();
  for (long l = (long)ls_.size() - 1; l >= 0; --l) {
    const LayerSpec& L = spec_.layers[l];
    LayerState& S = ls_[l];
    const int d = L.out_dim;
    float* dIn = l > 0 ? ls_[l - 1].dOut.data() : nullptr;
    const bool skip_act = fused && l == (long)ls_.size() - 1;
    switch (L.kind) {
      case LayerKind::Dense: {
        float* dZ = S.dOut.data();
        if (!skip_act) act_backward(L.act, n, d, S.z, S.out, dZ, dZ);
        bool tr = L.trainable;
        if (!tr) {
          std::fill(G + S.kernel, G + S.kernel + (long)L.in_dim * d, 0.0f);
          if (S.bias >= 0) std::fill(G + S.bias, G + S.bias + d, 0.0f);
        }
        dense_backward(n, L.in_dim, d, S.in, P + S.kernel, dZ, tr ? G + S.kernel : nullptr,
                       tr && S.bias >= 0 ? G + S.bias : nullptr, dIn);
        break;
      }
      case LayerKind::Activation:
        if (!dIn) break;
        if (skip_act) std::memcpy(dIn, S.dOut.data(), sizeof(float) * (size_t)n * d);
        else act_backward(L.act, n, d, S.z, S.out, S.dOut.data(), dIn);
        break;
      case LayerKind::Dropout:
        if (!dIn) break;
        if (S.out == S.in) std::memcpy(dIn, S.dOut.data(), sizeof(float) * (size_t)n * d);
        else dropout_backward(n, d, S.dOut.data(), S.mask.data(), L.rate, dIn);
        break;
      case LayerKind::BatchNorm: {
        // With batch statistics the layer is trainable (a frozen one runs in inference mode).
        const float* g = S.gamma >= 0 ? P + S.gamma : nullptr;
        float* dg = S.gamma >= 0 ? G + S.gamma : nullptr;
        float* db = S.beta >= 0 ? G + S.beta : nullptr;
        if (S.bn_batch_stats) {
          batchnorm_backward_train(n, d, S.dOut.data(), S.xhat.data(), S.var.data(), g, L.epsilon, dg, db, dIn);
        } else {
          if (dg) std::fill(dg, dg + d, 0.0f);
          if (db) std::fill(db, db + d, 0.0f);
          if (dIn) batchnorm_backward_infer(n, d, S.dOut.data(), g, P + S.mv, L.epsilon, dIn);
        }
        break;
      }
      case LayerKind::LayerNorm: {
        const float* g = S.gamma >= 0 ? P + S.gamma : nullptr;
        float* dg = S.gamma >= 0 ? G + S.gamma : nullptr;
        float* db = S.beta >= 0 ? G + S.beta : nullptr;
        if (!L.trainable) {
          if (dg) std::fill(dg, dg + d, 0.0f);
          if (db) std::fill(db, db + d, 0.0f);
          dg = db = nullptr;
        }
        layernorm_backward(n, d, S.dOut.data(), S.xhat.data(), S.rstd.data(), g, dg, db, dIn);
        break;
      }
    }
  }
}

void Net::add_regularization_grad() {
  for (const Tensor& t : tensors_) {
    if ((t.l1 == 0 && t.l2 == 0) || !tensor_trainable(t)) continue;
    for (long i = t.off; i < t.off + t.size; ++i) {
      double w = params_[i];
      double sgn = w > 0 ? 1.0 : w < 0 ? -1.0 : 0.0;
      grads_[i] = (float)((double)grads_[i] + t.l1 * sgn + 2.0 * t.l2 * w);
    }
  }
}

void Net::clip() {
  const OptSpec& o = spec_.opt;
  if (o.clipnorm > 0) {
    const double c = o.clipnorm;
    for (const Tensor& t : tensors_) {
      if (!tensor_trainable(t)) continue;
      double s = 0;
      for (long i = t.off; i < t.off + t.size; ++i) s += (double)grads_[i] * grads_[i];
      double f = c / std::max(std::sqrt(s), c);
      for (long i = t.off; i < t.off + t.size; ++i) grads_[i] = (float)((double)grads_[i] * f);
    }
  } else if (o.global_clipnorm > 0) {
    const double c = o.global_clipnorm;
    double s = 0;
    for (const Tensor& t : tensors_) {
      if (!tensor_trainable(t)) continue;
      for (long i = t.off; i < t.off + t.size; ++i) s += (double)grads_[i] * grads_[i];
    }
    double f = c / std::max(std::sqrt(s), c);
    for (const Tensor& t : tensors_) {
      if (!tensor_trainable(t)) continue;
      for (long i = t.off; i < t.off + t.size; ++i) grads_[i] = (float)((double)grads_[i] * f);
    }
  } else if (o.clipvalue > 0) {
    const float c = (float)o.clipvalue;
    for (const Tensor& t : tensors_) {
      if (!tensor_trainable(t)) continue;
      for (long i = t.off; i < t.off + t.size; ++i) grads_[i] = std::min(std::max(grads_[i], -c), c);
    }
  }
}

void Net::apply_update() {
  const OptSpec& o = spec_.opt;
  const long P = (long)params_.size();
  float iters = state_[0] + 1.0f;
  state_[0] = iters;
  const double t = iters;
  const double lr = schedule_lr(o, o.lr, t - 1.0);
  for (const Tensor& tn : tensors_) {
    if (!tensor_trainable(tn)) continue;
    optimizer_update(o, lr, t, params_.data(), grads_.data(), state_.data() + 1, P, tn.off, tn.size);
  }
  // Moving statistics of batchNormalization layers that used batch statistics in this step.
  for (size_t l = 0; l < ls_.size(); ++l) {
    const LayerSpec& L = spec_.layers[l];
    LayerState& S = ls_[l];
    if (L.kind != LayerKind::BatchNorm || !S.bn_batch_stats) continue;
    const double m = L.momentum;
    for (int j = 0; j < L.out_dim; ++j) {
      params_[S.mm + j] = (float)((double)params_[S.mm + j] * m + (double)S.mean[j] * (1.0 - m));
      params_[S.mv + j] = (float)((double)params_[S.mv + j] * m + (double)S.var[j] * (1.0 - m));
    }
  }
  // MaxNorm constraints on trainable dense kernels.
  for (size_t l = 0; l < ls_.size(); ++l) {
    const LayerSpec& L = spec_.layers[l];
    if (L.kind != LayerKind::Dense || !L.trainable || !(L.kernel_max_norm > 0)) continue;
    float* W = params_.data() + ls_[l].kernel;
    const int in = L.in_dim, out = L.out_dim;
    for (int j = 0; j < out; ++j) {
      double s = 0;
      for (int i = 0; i < in; ++i) s += (double)W[(long)i * out + j] * W[(long)i * out + j];
      double norm = std::sqrt(s);
      double f = std::min(std::max(norm, 0.0), L.kernel_max_norm) / (1e-7 + norm);
      for (int i = 0; i < in; ++i) W[(long)i * out + j] = (float)((double)W[(long)i * out + j] * f);
    }
  }
}

Status Net::train_batches(const float* x, long rows, int cols, const float* y, int ycols, const uint32_t* order,
                          long n_order, long batch, const float* sample_weight, float* preds_out,
                          const ProgressFn& progress, TrainResult* result) {
  if (cols != spec_.input_dim || ycols != label_dim() || batch < 1 || rows < 0 || n_order < 0)
    return Status::Error(Code::ShapeMismatch, "train_batches: shapes do not match the net");
  *result = TrainResult();
  if (n_order == 0) return Status::Ok();
  Status st = ensure_capacity(std::min(batch, n_order), true);
  if (!st.ok()) return st;
  return guarded([&]() -> Status {
    const int in = spec_.input_dim, od = output_dim_;
    const long nb = (n_order + batch - 1) / batch;
    for (long b = 0; b < nb; ++b) {
      const long start = b * batch;
      const int n = (int)std::min(batch, n_order - start);
      // 1. Gather the rows (each index read once and checked: JavaScript may change `order` meanwhile).
      for (int i = 0; i < n; ++i) {
        const uint32_t r = order[start + i];
        if ((long)r >= rows)
          return Status::Error(Code::InvalidArg, "Expected row indices below " + std::to_string(rows) + " for order[" +
                                                     std::to_string(start + i) + "] but received " + std::to_string(r));
        std::memcpy(xb_.data() + (size_t)i * in, x + (size_t)r * cols, sizeof(float) * in);
        std::memcpy(yb_.data() + (size_t)i * ycols, y + (size_t)r * ycols, sizeof(float) * ycols);
        wb_[i] = sample_weight ? sample_weight[r] : 1.0f;
      }
      const uint32_t step = (uint32_t)state_[0];
      forward(xb_.data(), n, true, step);
      if (preds_out) std::memcpy(preds_out + (size_t)start * od, ls_.back().out, sizeof(float) * (size_t)n * od);
      double bl = 0;
      st = loss(yb_.data(), sample_weight ? wb_.data() : nullptr, n, true, &bl);
      if (!st.ok()) return st;
      if (!std::isfinite(bl)) {
        result->non_finite_batch = b;
        return Status::Ok();
      }
      backward(n);
      add_regularization_grad();
      clip();
      apply_update();
      result->loss_sum += bl * n;
      result->samples += n;
      result->batches += 1;
      if (progress && !progress(result->batches, result->loss_sum, result->samples))
        return Status::Error(Code::Cancelled, "training was stopped by its progress callback");
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
  Status st = ensure_capacity(std::min(batch, rows), false);
  if (!st.ok()) return st;
  return guarded([&]() -> Status {
    const int od = output_dim_;
    for (long start = 0; start < rows; start += batch) {
      const int n = (int)std::min(batch, rows - start);
      forward(x + (size_t)start * cols, n, false, 0);
      if (preds_out) std::memcpy(preds_out + (size_t)start * od, ls_.back().out, sizeof(float) * (size_t)n * od);
      double bl = 0;
      Status s = loss(y + (size_t)start * ycols, sample_weight ? sample_weight + start : nullptr, n, false, &bl);
      if (!s.ok()) return s;
      result->loss_sum += bl * n;
      result->samples += n;
    }
    return Status::Ok();
  });
}

Status Net::predict(const float* x, long rows, int cols, long batch, float* out) {
  if (cols != spec_.input_dim || batch < 1 || rows < 0)
    return Status::Error(Code::ShapeMismatch, "predict: shapes do not match the net");
  if (rows == 0) return Status::Ok();
  Status st = ensure_capacity(std::min(batch, rows), false);
  if (!st.ok()) return st;
  return guarded([&]() -> Status {
    const int od = output_dim_;
    for (long start = 0; start < rows; start += batch) {
      const int n = (int)std::min(batch, rows - start);
      forward(x + (size_t)start * cols, n, false, 0, rows == 1);
      std::memcpy(out + (size_t)start * od, ls_.back().out, sizeof(float) * (size_t)n * od);
    }
    return Status::Ok();
  });
}

Status Net::compute_gradients(const float* x, long rows, int cols, const float* y, int ycols,
                              const float* sample_weight, double* loss_out, float* grads_out) {
  if (cols != spec_.input_dim || ycols != label_dim() || rows < 1)
    return Status::Error(Code::ShapeMismatch, "compute_gradients: shapes do not match the net");
  Status st = ensure_capacity(rows, true);
  if (!st.ok()) return st;
  return guarded([&]() -> Status {
    const int n = (int)rows;
    forward(x, n, true, (uint32_t)state_[0]);
    double bl = 0;
    Status s = loss(y, sample_weight, n, true, &bl);
    if (!s.ok()) return s;
    std::fill(grads_.begin(), grads_.end(), 0.0f);
    backward(n);
    add_regularization_grad();
    *loss_out = bl;
    std::memcpy(grads_out, grads_.data(), sizeof(float) * grads_.size());
    return Status::Ok();
  });
}

Status Net::set_params(const float* p, long n) {
  if (n != (long)params_.size())
    return Status::Error(Code::ShapeMismatch, "Expected " + std::to_string(params_.size()) +
                                                  " parameters but received " + std::to_string(n));
  std::memcpy(params_.data(), p, sizeof(float) * n);
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
  return Status::Ok();
}

}  // namespace blasnet
