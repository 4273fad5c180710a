// A network built from a NetSpec and a flat parameter buffer: whole epochs of mini-batch training,
// evaluate, predict and gradients (SPEC.md "One training step"). Not thread-safe: one call at a time
// (the binding enforces it). lib/engine/js/net.ts is the same class in TypeScript.
//
// net.cc holds the public calls (the loops over batches) and the workspaces; net_passes.cc the
// forward pass, the loss, the backward pass and the update of one batch.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "layout.h"
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
  ~Net();
  // Validates the dimension chain and the parameter count; params are copied in.
  static Status create(const NetSpec& spec, const float* params, long n_params, std::unique_ptr<Net>* out);

  const NetSpec& spec() const { return spec_; }
  const std::vector<ParamTensor>& layout() const { return layout_; }
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
  // out[rows, outputDim]. Where packed_inference(), every row goes through the prepacked kernels
  // (infer.cc): its outputs depend only on the row, never on batch, the other rows or the threads.
  // Elsewhere a one-row input goes through row_times_kernel (row_kernel.h) and larger ones through
  // sgemm in batches, whose outputs may differ from each other by float rounding.
  Status predict(const float* x, long rows, int cols, long batch, float* out);
  // True when predict takes the prepacked path (x86-64 CPUs with AVX2+FMA or AVX-512).
  static bool packed_inference();
  // One batch of all rows, training mode, dropout step = iterations; grads_out[paramCount].
  Status compute_gradients(const float* x, long rows, int cols, const float* y, int ycols,
                           const float* sample_weight, double* loss, float* grads_out);

  const std::vector<float>& params() const { return params_; }
  Status set_params(const float* p, long n);
  // [iterations, slot_0[P], ...]: the iteration count lives in the state, as it is saved.
  const std::vector<float>& optimizer_state() const { return state_; }
  Status set_optimizer_state(const float* s, long n);
  void set_learning_rate(double lr) { spec_.opt.lr = lr; }
  Status set_trainable(int layer, bool trainable);

 private:
  // Offsets of one layer's tensors in the flat parameter (and gradient) buffer; -1 when absent.
  struct LayerParams {
    long kernel = -1, bias = -1, gamma = -1, beta = -1, moving_mean = -1, moving_variance = -1;
  };
  // One layer's workspaces, sized for capacity_ rows, and where its last forward read and wrote.
  struct LayerBuffers {
    std::vector<float> preact, output, grad_output, dropout_mask, xhat, mean, var, rstd;
    const float* input = nullptr;   // input of the last forward
    float* preact_in = nullptr;     // pre-activation: dense Z, or an activation layer's input
    float* out = nullptr;           // output of the last forward (an identity dropout passes its input)
    bool batch_stats = false;       // batchNormalization ran with batch statistics
  };

  struct InferState;  // infer.cc: the packed kernels and the per-thread workspaces

  Net();
  Status reserve(long rows, bool training);
  void update_trained_tensors();
  bool loss_fused() const;
  const float* param(long offset) const { return offset >= 0 ? params_.data() + offset : nullptr; }
  float* grad(long offset) { return offset >= 0 ? grads_.data() + offset : nullptr; }

  // net_passes.cc: one batch. one_row: X is the only row of a predict (row_times_kernel instead of sgemm).
  void forward(const float* X, int n, bool training, uint32_t step, bool one_row = false);
  // Loss of the last forward (data loss / n + penalty); its gradient into the last layer's grad_output when want_grad.
  Status loss(const float* Y, const float* w, int n, bool want_grad, double* batch_loss);
  void backward(int n);
  void apply_update();
  // Inference-mode forward over consecutive batches of rows; sink(start, n, output) after each.
  template <typename Sink>
  Status infer_batches(const float* x, long rows, long batch, bool one_row, Sink&& sink);
  // infer.cc: predict on the packed kernels (repacked first when the weights changed), and one chunk
  // of rows through every layer in the workspace of one thread.
  Status predict_packed(const float* x, long rows, float* out);
  void infer_rows(int worker, const float* x, int n, float* out) const;

  NetSpec spec_;
  int output_dim_ = 0;
  std::vector<ParamTensor> layout_;
  std::vector<ParamTensor> trained_;  // the tensors the optimizer, regularizers and clipping touch now
  std::vector<float> params_, grads_, state_;
  std::vector<LayerParams> layer_params_;
  std::vector<LayerBuffers> buffers_;
  long capacity_ = 0;        // rows of the forward workspaces
  long train_capacity_ = 0;  // rows of the gradient and gather workspaces
  std::vector<float> batch_x_, batch_y_, batch_w_;  // the gathered rows of a training batch
  std::unique_ptr<InferState> infer_;
  bool packed_stale_ = true;  // the weights changed since the kernels were packed (training, set_params)
};

}  // namespace blasnet
