// A network built from a NetSpec and a flat parameter buffer: whole epochs of mini-batch training,
// evaluate, predict and gradients (SPEC.md "One training step"). Not thread-safe: one call at a time
// (the binding enforces it).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "spec.h"
#include "status.h"

namespace blasnet {

struct TrainResult {
  double loss_sum = 0;
  long samples = 0;
  long batches = 0;
  long non_finite_batch = -1;
};

struct EvalResult {
  double loss_sum = 0;
  long samples = 0;
};

// Called after every batch with (batches done, loss sum, samples done); return false to stop the call
// (it then ends with Code::Cancelled). The binding throttles what reaches JavaScript.
using ProgressFn = std::function<bool(long, double, long)>;

class Net {
 public:
  // Validates the dimension chain and the parameter count; params are copied in.
  static Status create(const NetSpec& spec, const float* params, long n_params, std::unique_ptr<Net>* out);

  const NetSpec& spec() const { return spec_; }
  int input_dim() const { return spec_.input_dim; }
  int output_dim() const { return output_dim_; }
  // Label columns the loss expects (1 for sparse categorical CE).
  int label_dim() const { return spec_.loss.id == LossId::Scce ? 1 : output_dim_; }
  long param_count() const { return (long)params_.size(); }
  long state_length() const { return (long)state_.size(); }

  // x[rows, cols], y[rows, ycols]; batches are consecutive slices of order[n_order] (row indices,
  // each checked at use); sample_weight[rows] or null; preds_out[n_order, outputDim] or null.
  Status train_batches(const float* x, long rows, int cols, const float* y, int ycols, const uint32_t* order,
                       long n_order, long batch, const float* sample_weight, float* preds_out,
                       const ProgressFn& progress, TrainResult* result);
  // Inference-mode loss over rows in order; preds_out[rows, outputDim] or null.
  Status evaluate(const float* x, long rows, int cols, const float* y, int ycols, long batch,
                  const float* sample_weight, float* preds_out, EvalResult* result);
  // out[rows, outputDim]. A one-row input goes through row_times_kernel (row_kernel.h), so its outputs
  // may differ from the same row's inside a larger input by float rounding; they never depend on batch.
  Status predict(const float* x, long rows, int cols, long batch, float* out);
  // One batch of all rows, training mode, dropout step = iterations; grads_out[paramCount].
  Status compute_gradients(const float* x, long rows, int cols, const float* y, int ycols,
                           const float* sample_weight, double* loss, float* grads_out);

  const std::vector<float>& params() const { return params_; }
  Status set_params(const float* p, long n);
  const std::vector<float>& optimizer_state() const { return state_; }
  Status set_optimizer_state(const float* s, long n);
  void set_learning_rate(double lr) { spec_.opt.lr = lr; }
  Status set_trainable(int layer, bool trainable);

 private:
  struct Tensor {
    long off = 0, size = 0;
    int layer = 0;
    bool moving = false;  // moving statistics: never trained
    double l1 = 0, l2 = 0;
  };
  struct LayerState {
    long kernel = -1, bias = -1, gamma = -1, beta = -1, mm = -1, mv = -1;  // offsets into params
    std::vector<float> Z, A, dOut, mask, xhat, mean, var, rstd;
    const float* in = nullptr;  // input of the last forward
    float* z = nullptr;         // pre-activation (dense) or the input (activation layer)
    float* out = nullptr;       // output of the last forward
    bool bn_batch_stats = false;  // batchNorm ran with batch statistics in the last forward
  };

  Net() = default;
  Status ensure_capacity(long n, bool training);
  bool tensor_trainable(const Tensor& t) const;
  bool loss_fused() const;
  // one_row: X is the only row of a predict; dense layers use row_times_kernel instead of sgemm.
  void forward(const float* X, int n, bool training, uint32_t step, bool one_row = false);
  // Loss of the last forward; grads into the last layer's dOut when want_grad.
  Status loss(const float* Y, const float* w, int n, bool want_grad, double* batch_loss);
  double penalty() const;
  void backward(int n);
  void add_regularization_grad();
  void clip();
  void apply_update();
  Status run_train_step(int n, uint32_t step, double* batch_loss);

  NetSpec spec_;
  int output_dim_ = 0;
  std::vector<float> params_, grads_, state_;
  std::vector<Tensor> tensors_;
  std::vector<LayerState> ls_;
  long cap_ = 0;        // rows of the forward workspaces
  long cap_train_ = 0;  // rows of the gradient and gather workspaces
  std::vector<float> xb_, yb_, wb_;
};

}  // namespace blasnet
