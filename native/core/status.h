// Result of a core call: the core never throws across its API and never aborts; the binding maps
// these codes onto the JavaScript error codes of lib/errors.ts.
#pragma once
#include <string>

namespace blasnet {

enum class Code { Ok = 0, InvalidArg, ShapeMismatch, Native, OutOfMemory, Cancelled };

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

// The ERR_* name of a code, as lib/errors.ts spells it.
inline const char* code_name(Code c) {
  switch (c) {
    case Code::Ok: return "OK";
    case Code::InvalidArg: return "ERR_INVALID_ARG";
    case Code::ShapeMismatch: return "ERR_SHAPE_MISMATCH";
    case Code::Native: return "ERR_NATIVE";
    case Code::OutOfMemory: return "ERR_OUT_OF_MEMORY";
    case Code::Cancelled: return "ERR_NATIVE";
  }
  return "ERR_NATIVE";
}

}  // namespace blasnet
