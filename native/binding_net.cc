#include "binding_net.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "binding_args.h"
#include "binding_spec.h"
#include "binding_threads.h"

namespace blasnet_binding {

using blasnet::Code;
using blasnet::Status;

namespace {

constexpr int64_t kMaxRows = 2147483647LL;

// The x/y/weights/predictions of one call, checked against each other and the net.
struct DataArgs {
  FloatView x, y, sw, preds;
  int64_t rows = 0, cols = 0, ycols = 0;
};

void check_len(Napi::Env env, const FloatView& v, uint64_t want, const std::string& arg, const std::string& what) {
  if ((uint64_t)v.length != want)
    throw_coded(env, "ERR_SHAPE_MISMATCH", "Expected a Float32Array of length " + std::to_string(want) + " (" + what +
                                               ") for " + arg + " but received length " + std::to_string(v.length));
}

// Reads x, rows, cols at info[i..i+2] and checks them against the net.
void read_x(const Napi::CallbackInfo& info, size_t i, blasnet::Net* net, DataArgs* d) {
  Napi::Env env = info.Env();
  d->x = get_f32(info[i], "x", false);
  d->rows = get_int(info[i + 1], "rows", 0, kMaxRows);
  d->cols = get_int(info[i + 2], "cols", 1, kMaxDim);
  if (d->cols != net->input_dim())
    throw_coded(env, "ERR_SHAPE_MISMATCH", "Expected " + std::to_string(net->input_dim()) +
                                               " (the net's input width) for cols but received " + std::to_string(d->cols));
  check_len(env, d->x, (uint64_t)d->rows * (uint64_t)d->cols, "x", "rows * cols");
}

void read_y(const Napi::CallbackInfo& info, size_t i, blasnet::Net* net, DataArgs* d) {
  Napi::Env env = info.Env();
  d->y = get_f32(info[i], "y", false);
  d->ycols = get_int(info[i + 1], "ycols", 1, kMaxDim);
  if (d->ycols != net->label_dim())
    throw_coded(env, "ERR_SHAPE_MISMATCH", "Expected " + std::to_string(net->label_dim()) +
                                               " (the label width of this loss) for ycols but received " +
                                               std::to_string(d->ycols));
  check_len(env, d->y, (uint64_t)d->rows * (uint64_t)d->ycols, "y", "rows * ycols");
}

void read_sw(const Napi::CallbackInfo& info, size_t i, DataArgs* d) {
  d->sw = get_f32(info[i], "sampleWeight", true);
  if (d->sw.present) check_len(info.Env(), d->sw, (uint64_t)d->rows, "sampleWeight", "rows");
}

void read_preds(const Napi::CallbackInfo& info, size_t i, uint64_t n, int64_t od, DataArgs* d) {
  d->preds = get_f32(info[i], "predsOut", true);
  if (d->preds.present) check_len(info.Env(), d->preds, n * (uint64_t)od, "predsOut", "rows * outputDim");
}

// Pins the buffers an async call reads or writes against detachment (may throw a JS exception:
// call it before constructing the worker).
void pin_all(const DataArgs& d, const Napi::Value* order) {
  pin_buffer(d.x.value);
  if (d.y.present) pin_buffer(d.y.value);
  if (d.sw.present) pin_buffer(d.sw.value);
  if (d.preds.present) pin_buffer(d.preds.value);
  if (order) pin_buffer(*order);
}

Napi::Object make_status_error(Napi::Env env, const Status& st) {
  return coded_error(env, blasnet::code_name(st.code), st.message).Value();
}

Napi::Object train_result(Napi::Env env, const blasnet::TrainResult& res) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("lossSum", Napi::Number::New(env, res.loss_sum));
  r.Set("samples", Napi::Number::New(env, (double)res.samples));
  r.Set("batches", Napi::Number::New(env, (double)res.batches));
  r.Set("nonFiniteBatch", Napi::Number::New(env, (double)res.non_finite_batch));
  return r;
}

Napi::Object eval_result(Napi::Env env, const blasnet::EvalResult& res) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("lossSum", Napi::Number::New(env, res.loss_sum));
  r.Set("samples", Napi::Number::New(env, (double)res.samples));
  return r;
}

// Base of the workers: holds the net alive (a strong reference to its JS object) and every typed
// array it reads or writes until it completes.
class NetWorkBase {
 public:
  NetWorkBase(NativeNet* owner, Napi::Object self)
      : owner_(owner), net_(owner->core()), self_(Napi::Persistent(self)) {
    blas_use_begin();
  }
  ~NetWorkBase() { blas_use_end(); }  // after OnOK / OnError: a deferred setNumThreads may apply now
  // Holds v (a typed array) until the worker ends. Its buffer was pinned by pin_all() before the
  // worker was made: the pin calls into JS, which may throw, and a constructor that throws after
  // AsyncProgressQueueWorker made its thread-safe function leaves that function's finalizer pointing
  // at a freed worker (a use-after-free the fuzz test found).
  void keep(const Napi::Value& v) {
    if (v.IsEmpty() || !v.IsObject()) return;
    refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }

 protected:
  NativeNet* owner_;
  std::shared_ptr<blasnet::Net> net_;  // what Execute uses (never owner_ off the main thread)
  Napi::ObjectReference self_;
  std::vector<Napi::ObjectReference> refs_;
  Status status_;
};

struct ProgressItem {
  long batches;
  double loss_sum;
  long samples;
};

class TrainWorker : public Napi::AsyncProgressQueueWorker<ProgressItem>, public NetWorkBase {
 public:
  TrainWorker(Napi::Env env, NativeNet* owner, Napi::Object self, DataArgs d, U32View order, int64_t batch,
              Napi::Value progress)
      : Napi::AsyncProgressQueueWorker<ProgressItem>(env, "blasnet.trainBatches"),
        NetWorkBase(owner, self),
        deferred_(Napi::Promise::Deferred::New(env)),
        d_(d),
        order_(order),
        batch_(batch) {
    keep(d.x.value);
    keep(d.y.value);
    if (d.sw.present) keep(d.sw.value);
    if (d.preds.present) keep(d.preds.value);
    keep(order.value);
    if (progress.IsFunction()) progress_ = Napi::Persistent(progress.As<Napi::Function>());
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& p) override {
    using clock = std::chrono::steady_clock;
    auto last = clock::now();
    const bool want = !progress_.IsEmpty();
    blasnet::ProgressFn cb = [&](long b, double l, long s) {
      if (want) {
        auto now = clock::now();
        if (now - last >= std::chrono::milliseconds(100)) {
          last = now;
          ProgressItem it{b, l, s};
          p.Send(&it, 1);
        }
      }
      return !cancel_.load();
    };
    try {
      status_ = net_->train_batches(d_.x.data, (long)d_.rows, (int)d_.cols, d_.y.data, (int)d_.ycols,
                                              order_.data, (long)order_.length, (long)batch_, d_.sw.data,
                                              d_.preds.data, cb, &result_);
    } catch (...) {
      status_ = Status::Error(Code::Native, "unexpected native failure in trainBatches");
    }
  }

  void OnProgress(const ProgressItem* items, size_t count) override {
    if (count == 0 || progress_.IsEmpty() || cancel_.load()) return;
    const ProgressItem& it = items[count - 1];
    deliver(it.batches, it.loss_sum, it.samples);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    owner_->end_work();
    // The final progress report, unless the last throttled one already covered every batch.
    if (status_.ok() && !progress_.IsEmpty() && !cancel_.load() && result_.batches != last_sent_)
      deliver(result_.batches, result_.loss_sum, result_.samples);
    if (!callback_error_.IsEmpty()) {
      deferred_.Reject(callback_error_.Value());
      return;
    }
    if (!status_.ok()) {
      deferred_.Reject(make_status_error(env, status_));
      return;
    }
    deferred_.Resolve(train_result(env, result_));
  }

  void OnError(const Napi::Error& e) override {
    owner_->end_work();
    deferred_.Reject(e.Value());
  }

 private:
  // Calls the JS progress function; an exception it throws stops training and rejects the promise.
  void deliver(long b, double l, long s) {
    Napi::Env env = Env();
    last_sent_ = b;
    try {
      progress_.Call({Napi::Number::New(env, (double)b), Napi::Number::New(env, l), Napi::Number::New(env, (double)s)});
    } catch (const Napi::Error& e) {
      if (callback_error_.IsEmpty()) callback_error_ = Napi::Persistent(e.Value());
      cancel_.store(true);
    }
  }

  Napi::Promise::Deferred deferred_;
  DataArgs d_;
  U32View order_;
  int64_t batch_;
  Napi::FunctionReference progress_;
  Napi::ObjectReference callback_error_;
  std::atomic<bool> cancel_{false};
  long last_sent_ = -1;
  blasnet::TrainResult result_;
};

class EvalWorker : public Napi::AsyncWorker, public NetWorkBase {
 public:
  EvalWorker(Napi::Env env, NativeNet* owner, Napi::Object self, DataArgs d, int64_t batch)
      : Napi::AsyncWorker(env, "blasnet.evaluate"),
        NetWorkBase(owner, self),
        deferred_(Napi::Promise::Deferred::New(env)),
        d_(d),
        batch_(batch) {
    keep(d.x.value);
    keep(d.y.value);
    if (d.sw.present) keep(d.sw.value);
    if (d.preds.present) keep(d.preds.value);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      status_ = net_->evaluate(d_.x.data, (long)d_.rows, (int)d_.cols, d_.y.data, (int)d_.ycols, (long)batch_,
                                         d_.sw.data, d_.preds.data, &result_);
    } catch (...) {
      status_ = Status::Error(Code::Native, "unexpected native failure in evaluate");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    owner_->end_work();
    if (!status_.ok()) {
      deferred_.Reject(make_status_error(env, status_));
      return;
    }
    deferred_.Resolve(eval_result(env, result_));
  }
  void OnError(const Napi::Error& e) override {
    owner_->end_work();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  DataArgs d_;
  int64_t batch_;
  blasnet::EvalResult result_;
};

class PredictWorker : public Napi::AsyncWorker, public NetWorkBase {
 public:
  PredictWorker(Napi::Env env, NativeNet* owner, Napi::Object self, DataArgs d, int64_t batch, Napi::Float32Array out)
      : Napi::AsyncWorker(env, "blasnet.predict"),
        NetWorkBase(owner, self),
        deferred_(Napi::Promise::Deferred::New(env)),
        d_(d),
        batch_(batch),
        out_data_(out.Data()),
        out_(Napi::Persistent(out)) {
    keep(d.x.value);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      status_ = net_->predict(d_.x.data, (long)d_.rows, (int)d_.cols, (long)batch_, out_data_);
    } catch (...) {
      status_ = Status::Error(Code::Native, "unexpected native failure in predict");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    owner_->end_work();
    if (!status_.ok()) deferred_.Reject(make_status_error(env, status_));
    else deferred_.Resolve(out_.Value());
  }
  void OnError(const Napi::Error& e) override {
    owner_->end_work();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  DataArgs d_;
  int64_t batch_;
  float* out_data_;
  Napi::Reference<Napi::Float32Array> out_;
};

// A new Float32Array of n elements; an allocation failure becomes ERR_OUT_OF_MEMORY.
Napi::Float32Array new_f32(Napi::Env env, uint64_t n) {
  if (n > 4294967295ULL) throw_coded(env, "ERR_OUT_OF_MEMORY", "Cannot allocate a Float32Array of " + std::to_string(n) + " elements");
  try {
    return Napi::Float32Array::New(env, (size_t)n);
  } catch (const Napi::Error& e) {
    throw_coded(env, "ERR_OUT_OF_MEMORY", "Cannot allocate a Float32Array of " + std::to_string(n) + " elements: " + e.Message());
  }
}

Napi::Float32Array copy_out(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = new_f32(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

}  // namespace

Napi::Function NativeNet::Define(Napi::Env env) {
  return DefineClass(env, "NativeNet",
                     {
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::TrainBatches>>("trainBatches"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::TrainBatchesSync>>("trainBatchesSync"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::Evaluate>>("evaluate"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::EvaluateSync>>("evaluateSync"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::Predict>>("predict"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::PredictSync>>("predictSync"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::ComputeGradients>>("computeGradients"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::GetParams>>("getParams"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::SetParams>>("setParams"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::GetOptimizerState>>("getOptimizerState"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::SetOptimizerState>>("setOptimizerState"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::SetLearningRate>>("setLearningRate"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::SetTrainable>>("setTrainable"),
                         InstanceMethod<&NativeNet::Guarded<&NativeNet::Dispose>>("dispose"),
                         InstanceAccessor<&NativeNet::GetParamCount>("paramCount"),
                         InstanceAccessor<&NativeNet::GetOutputDim>("outputDim"),
                         InstanceAccessor<&NativeNet::GetInputDim>("inputDim"),
                         InstanceAccessor<&NativeNet::GetStateLength>("stateLength"),
                         InstanceAccessor<&NativeNet::GetDisposed>("disposed"),
                         InstanceAccessor<&NativeNet::GetBusy>("busy"),
                     });
}

NativeNet::NativeNet(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeNet>(info) {
  guard(info.Env(), [&]() { construct(info); });
}

void NativeNet::construct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  blasnet::NetSpec spec = read_net_spec(info[0]);
  FloatView params = get_f32(info[1], "params", false);
  std::unique_ptr<blasnet::Net> net;
  Status st = blasnet::Net::create(spec, params.data, (long)params.length, &net);
  if (!st.ok()) throw_status(env, st);
  net_ = std::move(net);
  param_count_ = net_->param_count();
  output_dim_ = net_->output_dim();
  input_dim_ = net_->input_dim();
  state_length_ = net_->state_length();
}

void NativeNet::check_ready(Napi::Env env, const char* method) {
  if (disposed_ || !net_) throw_coded(env, "ERR_DISPOSED", std::string("Cannot call ") + method + " on a disposed net");
  if (busy_)
    throw_coded(env, "ERR_BUSY", std::string("Cannot call ") + method +
                                     " while a trainBatches, evaluate or predict call on this net is running");
}

void NativeNet::end_work() {
  busy_ = false;
  if (disposed_) net_.reset();  // the dispose() deferred while the worker ran
}

namespace {

// The arguments of trainBatches / trainBatchesSync, checked against the net.
struct TrainCall {
  DataArgs d;
  U32View order;
  int64_t batch = 0;
  Napi::Value progress;
};

TrainCall read_train_args(const Napi::CallbackInfo& info, blasnet::Net* net, int64_t output_dim) {
  Napi::Env env = info.Env();
  TrainCall c;
  read_x(info, 0, net, &c.d);
  read_y(info, 3, net, &c.d);
  c.order = get_u32(info[5], "order");
  c.batch = get_int(info[6], "batchSize", 1, kMaxRows);
  read_sw(info, 7, &c.d);
  read_preds(info, 8, c.order.length, output_dim, &c.d);
  c.progress = info[9];
  if (!c.progress.IsUndefined() && !c.progress.IsNull() && !c.progress.IsFunction())
    invalid(env, "progressFn", "a function or undefined", c.progress);
  return c;
}

struct EvalCall {
  DataArgs d;
  int64_t batch = 0;
};

EvalCall read_eval_args(const Napi::CallbackInfo& info, blasnet::Net* net, int64_t output_dim) {
  EvalCall c;
  read_x(info, 0, net, &c.d);
  read_y(info, 3, net, &c.d);
  c.batch = get_int(info[5], "batchSize", 1, kMaxRows);
  read_sw(info, 6, &c.d);
  read_preds(info, 7, c.d.rows, output_dim, &c.d);
  return c;
}

}  // namespace

Napi::Value NativeNet::TrainBatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "trainBatches");
  TrainCall c = read_train_args(info, net_.get(), output_dim_);
  pin_all(c.d, &c.order.value);
  auto* w = new TrainWorker(env, this, info.This().As<Napi::Object>(), c.d, c.order, c.batch, c.progress);
  Napi::Promise p = w->promise();
  busy_ = true;
  w->Queue();
  return p;
}

// trainBatches run on the calling (JavaScript) thread, for epochs too small to be worth a worker
// hop (lib/engine/native.ts decides). Same checks and the same core call; the progress function, if
// any, is called once at the end (as the async call's final report), and an exception it throws
// propagates. Returns the result object or throws the coded error.
Napi::Value NativeNet::TrainBatchesSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "trainBatchesSync");
  TrainCall c = read_train_args(info, net_.get(), output_dim_);
  blasnet::TrainResult res;
  Status st;
  {
    BlasUse use;
    st = net_->train_batches(c.d.x.data, (long)c.d.rows, (int)c.d.cols, c.d.y.data, (int)c.d.ycols, c.order.data,
                             (long)c.order.length, (long)c.batch, c.d.sw.data, c.d.preds.data,
                             [](long, double, long) { return true; }, &res);
  }
  if (!st.ok()) throw_status(env, st);
  if (c.progress.IsFunction()) {
    c.progress.As<Napi::Function>().Call({Napi::Number::New(env, (double)res.batches), Napi::Number::New(env, res.loss_sum),
                                          Napi::Number::New(env, (double)res.samples)});
  }
  return train_result(env, res);
}

Napi::Value NativeNet::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "evaluate");
  EvalCall c = read_eval_args(info, net_.get(), output_dim_);
  pin_all(c.d, nullptr);
  auto* w = new EvalWorker(env, this, info.This().As<Napi::Object>(), c.d, c.batch);
  Napi::Promise p = w->promise();
  busy_ = true;
  w->Queue();
  return p;
}

// evaluate on the calling thread (small inputs); same checks and core call as evaluate.
Napi::Value NativeNet::EvaluateSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "evaluateSync");
  EvalCall c = read_eval_args(info, net_.get(), output_dim_);
  blasnet::EvalResult res;
  Status st;
  {
    BlasUse use;
    st = net_->evaluate(c.d.x.data, (long)c.d.rows, (int)c.d.cols, c.d.y.data, (int)c.d.ycols, (long)c.batch,
                        c.d.sw.data, c.d.preds.data, &res);
  }
  if (!st.ok()) throw_status(env, st);
  return eval_result(env, res);
}

Napi::Value NativeNet::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "predict");
  DataArgs d;
  read_x(info, 0, net_.get(), &d);
  int64_t batch = get_int(info[3], "batchSize", 1, kMaxRows);
  Napi::Float32Array out = new_f32(env, (uint64_t)d.rows * (uint64_t)output_dim_);
  pin_all(d, nullptr);
  auto* w = new PredictWorker(env, this, info.This().As<Napi::Object>(), d, batch, out);
  Napi::Promise p = w->promise();
  busy_ = true;
  w->Queue();
  return p;
}

Napi::Value NativeNet::PredictSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "predictSync");
  DataArgs d;
  read_x(info, 0, net_.get(), &d);
  int64_t batch = info[3].IsUndefined() ? (d.rows > 0 ? d.rows : 1) : get_int(info[3], "batchSize", 1, kMaxRows);
  Napi::Float32Array out = new_f32(env, (uint64_t)d.rows * (uint64_t)output_dim_);
  BlasUse use;
  Status st = net_->predict(d.x.data, (long)d.rows, (int)d.cols, (long)batch, out.Data());
  if (!st.ok()) throw_status(env, st);
  return out;
}

Napi::Value NativeNet::ComputeGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "computeGradients");
  DataArgs d;
  read_x(info, 0, net_.get(), &d);
  if (d.rows < 1) invalid(env, "rows", "an integer from 1", info[1]);
  read_y(info, 3, net_.get(), &d);
  read_sw(info, 5, &d);
  Napi::Float32Array grads = new_f32(env, (uint64_t)param_count_);
  double loss = 0;
  BlasUse use;
  Status st = net_->compute_gradients(d.x.data, (long)d.rows, (int)d.cols, d.y.data, (int)d.ycols, d.sw.data, &loss,
                                      grads.Data());
  if (!st.ok()) throw_status(env, st);
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", Napi::Number::New(env, loss));
  r.Set("grads", grads);
  return r;
}

Napi::Value NativeNet::GetParams(const Napi::CallbackInfo& info) {
  check_ready(info.Env(), "getParams");
  return copy_out(info.Env(), net_->params());
}

Napi::Value NativeNet::SetParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setParams");
  FloatView p = get_f32(info[0], "params", false);
  check_len(env, p, (uint64_t)param_count_, "params", "paramCount");
  Status st = net_->set_params(p.data, (long)p.length);
  if (!st.ok()) throw_status(env, st);
  return env.Undefined();
}

Napi::Value NativeNet::GetOptimizerState(const Napi::CallbackInfo& info) {
  check_ready(info.Env(), "getOptimizerState");
  return copy_out(info.Env(), net_->optimizer_state());
}

Napi::Value NativeNet::SetOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setOptimizerState");
  FloatView s = get_f32(info[0], "state", false);
  check_len(env, s, (uint64_t)state_length_, "state", "the optimizer state length");
  Status st = net_->set_optimizer_state(s.data, (long)s.length);
  if (!st.ok()) throw_status(env, st);
  return env.Undefined();
}

Napi::Value NativeNet::SetLearningRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setLearningRate");
  net_->set_learning_rate(get_number(info[0], "learningRate", 0, 1e30));
  return env.Undefined();
}

Napi::Value NativeNet::SetTrainable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_ready(env, "setTrainable");
  int64_t layer = get_int(info[0], "layer", 0, (int64_t)net_->spec().layers.size() - 1);
  bool flag = get_bool(info[1], "trainable");
  Status st = net_->set_trainable((int)layer, flag);
  if (!st.ok()) throw_status(env, st);
  return env.Undefined();
}

Napi::Value NativeNet::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  if (!busy_) net_.reset();  // else end_work() frees it when the running worker completes
  return info.Env().Undefined();
}

Napi::Value NativeNet::GetParamCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)param_count_); }
Napi::Value NativeNet::GetOutputDim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)output_dim_); }
Napi::Value NativeNet::GetInputDim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)input_dim_); }
Napi::Value NativeNet::GetStateLength(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)state_length_); }
Napi::Value NativeNet::GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }
Napi::Value NativeNet::GetBusy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

}  // namespace blasnet_binding
