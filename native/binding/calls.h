// The calls on a net that may run off the JavaScript thread, one struct each, shared by the async and
// the sync path (net_handle.h): `read` checks the JavaScript arguments against the net (main thread),
// `run` is the core call (any thread), `settle` makes the JavaScript result (main thread). `inputs`,
// `output` and `progress` name the JavaScript values a worker must pin and keep alive until it ends.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "binding/args.h"
#include "core/net.h"

namespace blasnet_binding {

// Rows of any matrix argument; keeps every row index inside uint32 and int.
constexpr int64_t kMaxRows = 2147483647LL;

// A progress report to JavaScript: (batches done, loss sum, samples done).
struct ProgressReport {
  long batches = 0;
  double loss_sum = 0;
  long samples = 0;
};

// The x / y / sampleWeight / predictions arguments of one call, checked against each other and the net.
struct DataArgs {
  FloatView x, y, sample_weight, preds;
  int64_t rows = 0, cols = 0, ycols = 0;
};

struct NetCall {
  std::vector<Napi::Value> inputs;  // the caller's typed arrays: pinned against detachment, kept alive
  Napi::Value output;               // an array the call fills and resolves with (predict), else empty
  Napi::Value progress;             // the caller's progress function, else empty
  // The report that covers every batch (the last one JavaScript sees); only trainBatches reports.
  ProgressReport final_report() const { return {}; }
};

// trainBatches(x, rows, cols, y, ycols, order, batchSize, sampleWeight, predsOut, progress)
struct TrainCall : NetCall {
  static constexpr const char* kAsyncName = "trainBatches";
  static constexpr const char* kSyncName = "trainBatchesSync";
  DataArgs d;
  U32View order;
  int64_t batch = 0;
  blasnet::TrainResult result;

  static TrainCall read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync);
  blasnet::Status run(blasnet::Net& net, const blasnet::ProgressFn& progress);
  ProgressReport final_report() const { return {result.batches, result.loss_sum, result.samples}; }
  Napi::Value settle(Napi::Env env, const Napi::Value& output) const;
};

// evaluate(x, rows, cols, y, ycols, batchSize, sampleWeight, predsOut)
struct EvaluateCall : NetCall {
  static constexpr const char* kAsyncName = "evaluate";
  static constexpr const char* kSyncName = "evaluateSync";
  DataArgs d;
  int64_t batch = 0;
  blasnet::EvalResult result;

  static EvaluateCall read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync);
  blasnet::Status run(blasnet::Net& net, const blasnet::ProgressFn& progress);
  Napi::Value settle(Napi::Env env, const Napi::Value& output) const;
};

// predict(x, rows, cols, batchSize): a new Float32Array [rows, outputDim]. predictSync's batchSize may
// be left out (all rows in one batch).
struct PredictCall : NetCall {
  static constexpr const char* kAsyncName = "predict";
  static constexpr const char* kSyncName = "predictSync";
  DataArgs d;
  int64_t batch = 0;
  float* out = nullptr;

  static PredictCall read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync);
  blasnet::Status run(blasnet::Net& net, const blasnet::ProgressFn& progress);
  Napi::Value settle(Napi::Env, const Napi::Value& output) const { return output; }
};

// computeGradients(x, rows, cols, y, ycols, sampleWeight): { loss, grads }. Synchronous only.
struct GradientsCall : NetCall {
  static constexpr const char* kSyncName = "computeGradients";
  DataArgs d;
  double loss = 0;
  float* grads = nullptr;

  static GradientsCall read(const Napi::CallbackInfo& info, const blasnet::Net& net, bool sync);
  blasnet::Status run(blasnet::Net& net, const blasnet::ProgressFn& progress);
  Napi::Value settle(Napi::Env env, const Napi::Value& output) const;
};

// A new Float32Array of n elements; an allocation failure becomes ERR_OUT_OF_MEMORY.
Napi::Float32Array new_f32(Napi::Env env, uint64_t n);

// Throws ERR_SHAPE_MISMATCH unless v has exactly `want` elements.
void check_length(Napi::Env env, const FloatView& v, uint64_t want, const std::string& arg, const std::string& what);

}  // namespace blasnet_binding
