// The Node-API module: NetHandle (one core net), blasInfo(), setNumThreads(n), a raw bounds-checked
// sgemm, and what the tests check the TypeScript side against: errorCodes (every code of
// core/status.h) and layout(spec) (the parameter layout the core computes).
#include <napi.h>

#include <cstdint>
#include <string>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include "binding/args.h"
#include "binding/engine_pool.h"
#include "binding/net_handle.h"
#include "binding/spec.h"
#include "core/gemm.h"
#include "core/layout.h"

namespace blasnet_binding {
namespace {

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("config", Napi::String::New(env, blasnet::blas_config()));
  r.Set("core", Napi::String::New(env, blasnet::blas_core()));
  r.Set("threads", Napi::Number::New(env, blasnet::get_threads()));
  return r;
}

// Returns true when applied at once, false when deferred until the running native calls end.
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  bool now = request_blas_threads((int)get_int(info[0], "n", 1, 1024));
  return Napi::Boolean::New(info.Env(), now);
}

// setEngineCores(n): the cores the engine threads plan for (the loader passes os.availableParallelism()).
Napi::Value SetEngineCores(const Napi::CallbackInfo& info) {
  pool_set_cores((int)get_int(info[0], "n", 1, 1024));
  return info.Env().Undefined();
}

// engineThreads(): the engine threads now, for tests and engineInfo().
Napi::Value EngineThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PoolInfo p = pool_info();
  Napi::Object r = Napi::Object::New(env);
  r.Set("cores", Napi::Number::New(env, p.cores));
  r.Set("threads", Napi::Number::New(env, p.threads));
  r.Set("running", Napi::Number::New(env, p.running));
  r.Set("queued", Napi::Number::New(env, p.queued));
  r.Set("active", Napi::Number::New(env, p.active));
  r.Set("blasThreads", Napi::Number::New(env, p.blas_threads));
  return r;
}

Napi::Value SetUntransferableMarker(const Napi::CallbackInfo& info) {
  set_untransferable_marker(info[0]);
  return info.Env().Undefined();
}

// Elements of a row-major matrix with `r` rows, `c` used columns and leading dimension ld.
uint64_t elements_needed(int64_t r, int64_t c, int64_t ld) { return (r == 0 || c == 0) ? 0 : (uint64_t)(r - 1) * ld + c; }

// sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha op(A) op(B) + beta C,
// row-major, synchronous. Every length is checked against the shapes and leading dimensions.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t kMax = 2147483647LL;
  bool ta = get_bool(info[0], "transA");
  bool tb = get_bool(info[1], "transB");
  int64_t M = get_int(info[2], "M", 0, kMax);
  int64_t N = get_int(info[3], "N", 0, kMax);
  int64_t K = get_int(info[4], "K", 0, kMax);
  double alpha = get_number(info[5], "alpha", -3.4e38, 3.4e38);
  FloatView A = get_f32(info[6], "A", false);
  int64_t lda = get_int(info[7], "lda", 1, kMax);
  FloatView B = get_f32(info[8], "B", false);
  int64_t ldb = get_int(info[9], "ldb", 1, kMax);
  double beta = get_number(info[10], "beta", -3.4e38, 3.4e38);
  FloatView C = get_f32(info[11], "C", false);
  int64_t ldc = get_int(info[12], "ldc", 1, kMax);
  // op(A) is M x K: stored K x M when transposed.
  int64_t ar = ta ? K : M, ac = ta ? M : K;
  int64_t br = tb ? N : K, bc = tb ? K : N;
  if (lda < (ac > 1 ? ac : 1)) invalid(env, "lda", "an integer >= " + std::to_string(ac > 1 ? ac : 1), info[7]);
  if (ldb < (bc > 1 ? bc : 1)) invalid(env, "ldb", "an integer >= " + std::to_string(bc > 1 ? bc : 1), info[9]);
  if (ldc < (N > 1 ? N : 1)) invalid(env, "ldc", "an integer >= " + std::to_string(N > 1 ? N : 1), info[12]);
  auto check = [&](const FloatView& v, uint64_t want, const char* name) {
    if (M == 0 || N == 0) return;
    if ((uint64_t)v.length < want)
      throw_coded(env, Code::ShapeMismatch, "Expected a Float32Array of length at least " + std::to_string(want) +
                                                 " for " + name + " but received length " + std::to_string(v.length));
  };
  if (K > 0) {
    check(A, elements_needed(ar, ac, lda), "A");
    check(B, elements_needed(br, bc, ldb), "B");
  }
  check(C, elements_needed(M, N, ldc), "C");
  BlasUse use;
  blasnet::gemm(ta, tb, (int)M, (int)N, (int)K, (float)alpha, A.data, (int)lda, B.data, (int)ldb, (float)beta, C.data,
                (int)ldc);
  return env.Undefined();
}

Napi::Array ErrorCodes(Napi::Env env) {
  Napi::Array names = Napi::Array::New(env);
  uint32_t i = 0;
  for (blasnet::Code c : blasnet::kErrorCodes) names.Set(i++, Napi::String::New(env, blasnet::code_name(c)));
  return names;
}

// layout(spec): { params: [{ layer, name, shape, offset, size, trainable }], paramCount, stateLength },
// as lib/engine/layout.ts paramLayout / optimizerStateLength give them.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const blasnet::NetSpec spec = read_net_spec(info[0]);
  const std::vector<blasnet::ParamTensor> layout = blasnet::param_layout(spec);
  Napi::Array params = Napi::Array::New(env, layout.size());
  for (size_t k = 0; k < layout.size(); ++k) {
    const blasnet::ParamTensor& t = layout[k];
    Napi::Object o = Napi::Object::New(env);
    o.Set("layer", Napi::Number::New(env, t.layer));
    o.Set("name", Napi::String::New(env, blasnet::tensor_name(t.name)));
    Napi::Array shape = Napi::Array::New(env, t.shape.size());
    for (size_t j = 0; j < t.shape.size(); ++j) shape.Set((uint32_t)j, Napi::Number::New(env, (double)t.shape[j]));
    o.Set("shape", shape);
    o.Set("offset", Napi::Number::New(env, (double)t.offset));
    o.Set("size", Napi::Number::New(env, (double)t.size));
    o.Set("trainable", Napi::Boolean::New(env, !t.moving && spec.layers[t.layer].trainable));
    params.Set((uint32_t)k, o);
  }
  const long count = blasnet::param_count(layout);
  Napi::Object r = Napi::Object::New(env);
  r.Set("params", params);
  r.Set("paramCount", Napi::Number::New(env, (double)count));
  r.Set("stateLength", Napi::Number::New(env, (double)blasnet::optimizer_state_length(spec.opt, count)));
  return r;
}

// Node unloads an addon when the last environment that loaded it goes (a Worker that was the only
// user ends): the engine threads, the exit handler and OpenBLAS's threads would then run unmapped code.
// Pinned, the module stays loaded until the process exits, and every environment shares one copy.
void keep_loaded() {
#ifdef _WIN32
  HMODULE self = nullptr;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     reinterpret_cast<LPCWSTR>(&keep_loaded), &self);
#else
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&keep_loaded), &self) && self.dli_fname)
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // never closed
#endif
}

}  // namespace
}  // namespace blasnet_binding

static Napi::Object InitBlasnet(Napi::Env env, Napi::Object exports) {
  using namespace blasnet_binding;
  static const bool pinned = (keep_loaded(), true);
  (void)pinned;
  exports.Set("NetHandle", NetHandle::Define(env));
  exports.Set("blasInfo", Napi::Function::New<ExceptionMapped<BlasInfo>>(env, "blasInfo"));
  exports.Set("setNumThreads", Napi::Function::New<ExceptionMapped<SetNumThreads>>(env, "setNumThreads"));
  exports.Set("setUntransferableMarker",
              Napi::Function::New<ExceptionMapped<SetUntransferableMarker>>(env, "setUntransferableMarker"));
  exports.Set("sgemm", Napi::Function::New<ExceptionMapped<Sgemm>>(env, "sgemm"));
  exports.Set("layout", Napi::Function::New<ExceptionMapped<Layout>>(env, "layout"));
  exports.Set("setEngineCores", Napi::Function::New<ExceptionMapped<SetEngineCores>>(env, "setEngineCores"));
  exports.Set("engineThreads", Napi::Function::New<ExceptionMapped<EngineThreads>>(env, "engineThreads"));
  exports.Set("errorCodes", ErrorCodes(env));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return exports;
}

NODE_API_MODULE(blasnet, InitBlasnet)
