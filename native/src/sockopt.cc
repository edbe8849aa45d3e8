#include "sockopt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errno_error.h"

bool ParseSocketAddress(const std::string& text, int port, SocketAddress* out) {
  if (text.find(':') == std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out->ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, text.c_str(), &a->sin_addr) != 1) return false;
    out->len = sizeof *a;
    out->family = AF_INET;
    return true;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&out->ss);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(static_cast<uint16_t>(port));
  std::string host = text;
  const size_t pct = text.find('%');
  if (pct != std::string::npos) {
    host = text.substr(0, pct);
    const std::string scope = text.substr(pct + 1);
    unsigned idx = if_nametoindex(scope.c_str());
    if (idx == 0) {
      char* end = nullptr;
      const unsigned long n = strtoul(scope.c_str(), &end, 10);
      if (scope.empty() || *end != '\0') return false;
      idx = static_cast<unsigned>(n);
    }
    a->sin6_scope_id = idx;
  }
  if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) return false;
  out->len = sizeof *a;
  out->family = AF_INET6;
  return true;
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : ("E" + std::to_string(err));
}

int CheckerSocket(Napi::Env env, int family, const Napi::Value& bindto, int bindPort, const Napi::Value& bindIf, double fwmark) {
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, "socket", errno, family == AF_INET6 ? "AF_INET6 stream" : "AF_INET stream");
  auto fail = [fd](Napi::Error e) {
    close(fd);
    return e;
  };
  if (fwmark >= 0) {
    const unsigned mark = static_cast<unsigned>(fwmark);
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
      throw fail(ErrnoError(env, "setsockopt", errno, "SO_MARK " + std::to_string(mark)));
    }
  }
  if (bindIf.IsString()) {
    const std::string ifname = bindIf.As<Napi::String>().Utf8Value();
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size() + 1)) < 0) {
      throw fail(ErrnoError(env, "setsockopt", errno, "SO_BINDTODEVICE " + ifname));
    }
  }
  if (bindto.IsString() || bindPort >= 0) {
    const std::string from = bindto.IsString() ? bindto.As<Napi::String>().Utf8Value() : (family == AF_INET6 ? "::" : "0.0.0.0");
    const int port = bindPort >= 0 ? bindPort : 0;
    SocketAddress src;
    if (!ParseSocketAddress(from, port, &src)) throw fail(Napi::TypeError::New(env, "invalid bind address " + from));
    // as libuv's uv_tcp_bind (what the checkers bound with before): a bind_port in TIME_WAIT is reused
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&src.ss), src.len) < 0) {
      const int err = errno;
      Napi::Error e = Napi::Error::New(env, "bind " + from + ":" + std::to_string(port) + ": " + ErrnoName(err));
      e.Set("code", Napi::String::New(env, ErrnoName(err)));
      e.Set("errno", Napi::Number::New(env, err));
      e.Set("syscall", Napi::String::New(env, "bind"));
      throw fail(e);
    }
  }
  return fd;
}

Napi::Value OpenCheckerSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 || !info[0].IsNumber() || !info[2].IsNumber() || !info[4].IsNumber()) {
    throw Napi::TypeError::New(env, "openCheckerSocket(family: 4 | 6, bindto|null, bindPort, bindIf|null, fwmark)");
  }
  const int family = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  const int fd = CheckerSocket(env, family, info[1], info[2].As<Napi::Number>().Int32Value(), info[3], info[4].As<Napi::Number>().DoubleValue());
  return Napi::Number::New(env, fd);
}
