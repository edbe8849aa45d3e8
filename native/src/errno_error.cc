#include "errno_error.h"

#include <string.h>

// glibc >= 2.32 has strerrorname_np; Debian 12 ships 2.36.
Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err, const std::string& context) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : ("E" + std::to_string(err));
  std::string message = std::string(syscall) + ": " + code + " (" + strerror(err) + ")";
  if (!context.empty()) message += " " + context;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}
