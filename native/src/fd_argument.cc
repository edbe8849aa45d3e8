#include "fd_argument.h"

#include <stdint.h>

#include <string>

int FdArgument(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), usage);
  const int64_t fd = info[0].As<Napi::Number>().Int64Value();
  if (fd < 0 || fd > INT32_MAX) throw Napi::RangeError::New(info.Env(), std::string(usage) + ": bad descriptor");
  return static_cast<int>(fd);
}
