// Result of a core call: the core never throws across its API and never aborts. Every code carries
// the ERR_* name lib/errors.ts gives it; the addon exports the names (errorCodes) and a test checks
// each one is in ERROR_CODES.
#pragma once
#include <exception>
#include <new>
#include <string>

namespace blasnet {

// Busy and Disposed are raised by the binding (a net's call discipline), the others by the core too.
enum class Code { Ok = 0, InvalidArg, ShapeMismatch, Native, OutOfMemory, Cancelled, Busy, Disposed };

constexpr Code kErrorCodes[] = {Code::InvalidArg, Code::ShapeMismatch, Code::Native, Code::OutOfMemory,
                                Code::Cancelled,  Code::Busy,          Code::Disposed};

inline const char* code_name(Code c) {
  switch (c) {
    case Code::Ok: return "OK";
    case Code::InvalidArg: return "ERR_INVALID_ARG";
    case Code::ShapeMismatch: return "ERR_SHAPE_MISMATCH";
    case Code::Native: return "ERR_NATIVE";
    case Code::OutOfMemory: return "ERR_OUT_OF_MEMORY";
    case Code::Cancelled: return "ERR_CANCELLED";
    case Code::Busy: return "ERR_BUSY";
    case Code::Disposed: return "ERR_DISPOSED";
  }
  return "ERR_NATIVE";
}

struct Status {
  Code code = Code::Ok;
  std::string message;
  bool ok() const { return code == Code::Ok; }
  static Status Ok() { return Status(); }
  static Status Error(Code c, std::string msg) {
    Status s;
    s.code = c;
    s.message = std::move(msg);
    return s;
  }
};

// Runs f, turning a C++ exception into a Status (nothing escapes the core): std::bad_alloc becomes
// OutOfMemory, anything else Native.
template <typename F>
Status catch_all(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Status::Error(Code::OutOfMemory, "Out of memory in the native engine");
  } catch (const std::exception& e) {
    return Status::Error(Code::Native, std::string("Native engine error: ") + e.what());
  }
}

}  // namespace blasnet
