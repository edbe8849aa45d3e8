// A checker's TCP socket with what Node cannot set: SO_MARK (`fwmark`), SO_BINDTODEVICE
// (`bind_if`), then bound to bindto:bind_port (check_api.c conn_opts), non-blocking, not yet
// connected. Shared by the ConnectProber (TCP_CHECK, HTTP_GET) and openCheckerSocket (the
// descriptor handed to Node's net.Socket for SSL_GET and SMTP_CHECK).
#pragma once
#include <napi.h>
#include <sys/socket.h>

#include <string>

struct SocketAddress {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_UNSPEC;
};

// "10.0.0.1", "2001:db8::1", "fe80::1%eth0" (scope by name or number); false when it is none.
bool ParseSocketAddress(const std::string& text, int port, SocketAddress* out);

std::string ErrnoName(int err);

// The socket for `family` (AF_INET/AF_INET6); fwmark < 0 and bindPort < 0 mean none, an empty
// bindIf none, a null bindto the family's wildcard (bound only when bindto or bindPort is given).
// Throws: setsockopt errors as ErrnoError, a bind error as "bind ADDR:PORT: CODE".
int CheckerSocket(Napi::Env env, int family, const Napi::Value& bindto, int bindPort, const Napi::Value& bindIf, double fwmark);

// openCheckerSocket(family: 4 | 6, bindto|null, bindPort (-1 none), bindIf|null, fwmark (-1 none)) → fd
Napi::Value OpenCheckerSocket(const Napi::CallbackInfo& info);
