// Checker socket options Node cannot set: SO_MARK (`fwmark`) and SO_BINDTODEVICE (`bind_if`)
// on a socket Node already owns (its fd), before it connects (check_api.c conn_opts).
#include "sockopt.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

#include "errno_error.h"

// setCheckerSocketOptions(fd, fwmark | null, ifname | null)
Napi::Value SetCheckerSocketOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "setCheckerSocketOptions(fd, fwmark | null, ifname | null)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (info[1].IsNumber()) {
    unsigned int mark = info[1].As<Napi::Number>().Uint32Value();
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
      throw ErrnoError(env, "setsockopt", errno, "SO_MARK " + std::to_string(mark));
    }
  }
  if (info[2].IsString()) {
    std::string ifname = info[2].As<Napi::String>().Utf8Value();
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size() + 1)) < 0) {
      throw ErrnoError(env, "setsockopt", errno, "SO_BINDTODEVICE " + ifname);
    }
  }
  return env.Undefined();
}
