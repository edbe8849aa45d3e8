#pragma once
#include <napi.h>

// The descriptor in info[0]: a TypeError with `usage` when it is not a number, a RangeError
// when it cannot be a descriptor.
int FdArgument(const Napi::CallbackInfo& info, const char* usage);
