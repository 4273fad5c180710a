// Reads and validates the JavaScript NetSpec (lib/engine/types.ts) into the core's plain struct.
#pragma once
#include <napi.h>

#include "core/spec.h"

namespace blasnet_binding {

// Largest width of any layer; keeps every product of two dims inside int64 and every row inside int.
constexpr int64_t kMaxDim = 1 << 24;

blasnet::NetSpec read_net_spec(const Napi::Value& v);

}  // namespace blasnet_binding
