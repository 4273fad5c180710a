#include "binding/args.h"

#include "binding/env_data.h"

#include <cmath>
#include <sstream>

namespace blasnet_binding {

Napi::Error coded_error(Napi::Env env, Code code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, blasnet::code_name(code)));
  return e;
}

void throw_coded(Napi::Env env, Code code, const std::string& message) { throw coded_error(env, code, message); }

void throw_status(Napi::Env env, const blasnet::Status& st) { throw_coded(env, st.code, st.message); }

void throw_into_js(Napi::Env env, const Napi::Error& e) noexcept {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return;
  try {
    napi_throw(env, e.Value());  // fails only where JavaScript can no longer run: nothing to report to
  } catch (...) {
  }
}

void throw_into_js(Napi::Env env, Code code, const std::string& message) noexcept {
  try {
    throw_into_js(env, coded_error(env, code, message));
  } catch (...) {
    // The error could not even be made (the environment is going away).
  }
}

static std::string num_str(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::ostringstream os;
  os.precision(17);
  os << d;
  return os.str();
}

std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: return num_str(v.As<Napi::Number>().DoubleValue());
    case napi_string: {
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "\"" + s + "\"";
    }
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    case napi_external: return "an external";
    case napi_object:
      if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
      if (v.IsTypedArray()) {
        static const char* names[] = {"Int8Array",    "Uint8Array",   "Uint8ClampedArray", "Int16Array",
                                      "Uint16Array",  "Int32Array",   "Uint32Array",       "Float32Array",
                                      "Float64Array", "BigInt64Array", "BigUint64Array"};
        Napi::TypedArray t = v.As<Napi::TypedArray>();
        int k = (int)t.TypedArrayType();
        std::string name = (k >= 0 && k < 11) ? names[k] : "typed array";
        return "a " + name + " of length " + std::to_string(t.ElementLength());
      }
      if (v.IsArrayBuffer()) return "an ArrayBuffer";
      return "an object";
    default: return "a value";
  }
}

void invalid(Napi::Env env, const std::string& arg, const std::string& expected, const Napi::Value& got) {
  throw_coded(env, Code::InvalidArg, "Expected " + expected + " for " + arg + " but received " + describe(got));
}

// The messages are built only on failure: these run several times per call, on the latency path.
int64_t get_int(const Napi::Value& v, const std::string& arg, int64_t lo, int64_t hi) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < (double)lo || d > (double)hi)
    invalid(v.Env(), arg, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), v);
  return (int64_t)d;
}

double get_number(const Napi::Value& v, const std::string& arg, double lo, double hi) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d < lo || d > hi) invalid(v.Env(), arg, "a finite number from " + num_str(lo) + " to " + num_str(hi), v);
  return d;
}

bool get_bool(const Napi::Value& v, const std::string& arg) {
  if (!v.IsBoolean()) invalid(v.Env(), arg, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}


void set_untransferable_marker(const Napi::Value& fn) {
  if (!fn.IsFunction()) invalid(fn.Env(), "marker", "a function", fn);
  binding_data(fn.Env())->mark_untransferable = Napi::Persistent(fn.As<Napi::Function>());
}

void pin_buffer(const Napi::Value& typed_array) {
  if (typed_array.IsEmpty() || !typed_array.IsTypedArray()) return;
  Napi::Env env = typed_array.Env();
  BindingData* data = binding_data(env);
  if (data->mark_untransferable.IsEmpty()) return;
  Napi::Value buf = typed_array.As<Napi::TypedArray>().ArrayBuffer();
  if (!buf.IsArrayBuffer() || buf.As<Napi::ArrayBuffer>().ByteLength() == 0) return;  // SharedArrayBuffers never detach
  data->mark_untransferable.Call({buf});
}

static Napi::Value find_resizable_getter(Napi::Env env) {
  Napi::Object global = env.Global();
  Napi::Value ctor = global.Get("ArrayBuffer");
  Napi::Value object = global.Get("Object");
  if (!ctor.IsFunction() || !object.IsObject()) return env.Undefined();
  Napi::Value proto = ctor.As<Napi::Object>().Get("prototype");
  Napi::Value gopd = object.As<Napi::Object>().Get("getOwnPropertyDescriptor");
  if (!proto.IsObject() || !gopd.IsFunction()) return env.Undefined();
  Napi::Value desc = gopd.As<Napi::Function>().Call(object, {proto, Napi::String::New(env, "resizable")});
  if (!desc.IsObject()) return env.Undefined();
  return desc.As<Napi::Object>().Get("get");
}

// Marks an ArrayBuffer already found fixed-length (a buffer never changes between fixed-length and
// resizable): the tag lookup is cheaper than calling the getter on every call of the latency path.
static const napi_type_tag kFixedLengthTag = {0x8f3a5c1e27d94b60ULL, 0xb1e4d2c97a6f0358ULL};

// True when `buf` is a resizable ArrayBuffer. Calls the prototype's getter (cached at first use) so an
// own property on the instance cannot lie about it; a buffer found fixed-length is tagged (a private
// tag JavaScript cannot see or set) and not asked again.
static bool is_resizable(Napi::Env env, const Napi::Value& buf) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, buf, &kFixedLengthTag, &tagged) == napi_ok && tagged) return false;
  BindingData* data = binding_data(env);
  if (!data->looked_up) {
    Napi::Value g = find_resizable_getter(env);
    if (g.IsFunction()) data->resizable_getter = Napi::Persistent(g.As<Napi::Function>());
    data->looked_up = true;
  }
  if (data->resizable_getter.IsEmpty()) return false;
  Napi::Value r = data->resizable_getter.Call(buf, {});
  const bool resizable = r.IsBoolean() && r.As<Napi::Boolean>().Value();
  // Fails harmlessly (napi_invalid_arg, no exception) if another addon tagged this buffer first.
  if (!resizable) napi_type_tag_object(env, buf, &kFixedLengthTag);
  return resizable;
}

// Shared checks of a typed array's buffer (taken from the view itself, not its `buffer` property):
// not detached, not resizable.
static void check_buffer(Napi::Env env, napi_value buffer, const std::string& arg) {
  Napi::Value buf(env, buffer);
  if (buf.IsArrayBuffer()) {
    if (buf.As<Napi::ArrayBuffer>().IsDetached())
      throw_coded(env, Code::InvalidArg, "Expected an attached buffer for " + arg + " but its ArrayBuffer is detached");
    if (is_resizable(env, buf))
      throw_coded(env, Code::InvalidArg, "Expected a fixed-length buffer for " + arg + " but received a view of a resizable ArrayBuffer");
  }
}

// A typed array of the given kind: its data, length and buffer from one napi_get_typedarray_info (the
// Napi:: accessors each make that call again; this runs on every call's latency path). The buffer is
// materialized by that call before the data pointer is taken, so the pointer stays valid.
template <typename View>
static View get_typed(const Napi::Value& v, const std::string& arg, napi_typedarray_type want, const char* expected) {
  Napi::Env env = v.Env();
  bool is = false;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != want)
    invalid(env, arg, expected, v);
  check_buffer(env, buffer, arg);
  View out;
  out.data = static_cast<decltype(out.data)>(data);
  out.length = length;
  out.value = v;
  if (out.length > 0 && out.data == nullptr)
    throw_coded(env, Code::InvalidArg, "Expected readable memory for " + arg + " but its buffer has none");
  return out;
}

FloatView get_f32(const Napi::Value& v, const std::string& arg, bool allow_null) {
  if (allow_null && (v.IsNull() || v.IsUndefined())) return FloatView();
  FloatView out = get_typed<FloatView>(v, arg, napi_float32_array, allow_null ? "a Float32Array or null" : "a Float32Array");
  out.present = true;
  return out;
}

U32View get_u32(const Napi::Value& v, const std::string& arg) {
  return get_typed<U32View>(v, arg, napi_uint32_array, "a Uint32Array");
}

}  // namespace blasnet_binding
