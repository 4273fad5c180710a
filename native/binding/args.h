// Argument checking for the binding: every value from JavaScript goes through these before the core
// sees it. Failures throw a Napi::Error carrying a `code` (core/status.h, the names of lib/errors.ts),
// with the message "Expected <what> for <argument> but received <value>".
#pragma once
#include <napi.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "core/status.h"

namespace blasnet_binding {

using blasnet::Code;

[[noreturn]] void throw_coded(Napi::Env env, Code code, const std::string& message);
[[noreturn]] void throw_status(Napi::Env env, const blasnet::Status& st);
Napi::Error coded_error(Napi::Env env, Code code, const std::string& message);

// Throws into JavaScript, unless an exception is already pending or the environment can no longer run
// JavaScript (a Worker being terminated), where nobody could catch it. Never throws in C++.
void throw_into_js(Napi::Env env, const Napi::Error& e) noexcept;
void throw_into_js(Napi::Env env, Code code, const std::string& message) noexcept;

// Runs the body of a binding callback and lets no C++ exception out of it: a Napi::Error is thrown into
// JavaScript, an allocation failure becomes ERR_OUT_OF_MEMORY and anything else ERR_NATIVE. Leaving it
// to node-addon-api would abort the process when the throw fails in a terminating environment.
template <typename F>
auto map_exceptions(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error& e) {
    throw_into_js(env, e);
  } catch (const std::bad_alloc&) {
    throw_into_js(env, Code::OutOfMemory, "Out of memory in the native engine");
  } catch (const std::exception& e) {
    throw_into_js(env, Code::Native, std::string("Native engine error: ") + e.what());
  } catch (...) {
    throw_into_js(env, Code::Native, "Native engine error of an unknown kind");
  }
  return decltype(f())();
}

// A module function with its C++ exceptions mapped to coded JS errors.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value ExceptionMapped(const Napi::CallbackInfo& info) {
  return map_exceptions(info.Env(), [&]() { return F(info); });
}

// A short rendering of a JS value for messages.
std::string describe(const Napi::Value& v);
[[noreturn]] void invalid(Napi::Env env, const std::string& arg, const std::string& expected, const Napi::Value& got);

// An integer in [lo, hi].
int64_t get_int(const Napi::Value& v, const std::string& arg, int64_t lo, int64_t hi);
// A finite number in [lo, hi].
double get_number(const Napi::Value& v, const std::string& arg, double lo, double hi);
bool get_bool(const Napi::Value& v, const std::string& arg);

// A typed array view checked for kind, attachment and resizability.
struct FloatView {
  float* data = nullptr;
  size_t length = 0;
  bool present = false;
  Napi::Value value;  // for references
};
struct U32View {
  uint32_t* data = nullptr;
  size_t length = 0;
  Napi::Value value;
};

// A Float32Array (or null/undefined when allow_null). Rejects other typed arrays, detached buffers
// and resizable ArrayBuffers (a length-tracking view could shrink while a worker reads it).
FloatView get_f32(const Napi::Value& v, const std::string& arg, bool allow_null);
U32View get_u32(const Napi::Value& v, const std::string& arg);

// worker_threads.markAsUntransferable, registered once by lib/engine/native.ts (setUntransferableMarker).
void set_untransferable_marker(const Napi::Value& fn);
// Marks the ArrayBuffer of a typed array untransferable (when a marker is registered), so user code
// cannot detach memory an async worker is using: Node then copies instead of transferring (Node 20)
// or throws (newer). No-op for SharedArrayBuffers and empty buffers.
void pin_buffer(const Napi::Value& typed_array);

}  // namespace blasnet_binding
