// A UDP socket opened, optioned and bound here, then handed to Node's dgram with
// `socket.bind({ fd })` (public API): the options Node cannot set on its own datagram sockets
// are set before Node ever sees the descriptor, so no internal handle is touched.
//  - SO_MARK (`fwmark`) and SO_BINDTODEVICE (`bind_if`) for DNS_CHECK and UDP_CHECK
//    (check_api.c conn_opts);
//  - IP_MINTTL / IPV6_MINHOPCOUNT for BFD's Generalized TTL Security Mechanism (RFC 5881
//    section 5, RFC 5082), and since Linux checks those for TCP only, a socket filter that drops
//    a UDP packet whose TTL / hop limit is below it.
#include "dgram_socket.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errno_error.h"

namespace {

// Throws (after closing fd) when setsockopt fails.
void SetOpt(Napi::Env env, int fd, int level, int name, const void* value, socklen_t len, const std::string& what) {
  if (setsockopt(fd, level, name, value, len) < 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, "setsockopt", err, what);
  }
}

}  // namespace

// openDatagramSocket(family 4|6, address | null, port, fwmark | null, ifname | null, minTtl | null,
//                    reuseAddr) -> fd
Napi::Value OpenDatagramSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "openDatagramSocket(family, address | null, port, fwmark | null, ifname | null, minTtl | null, reuseAddr)");
  }
  int family = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  std::string address = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  int port = info[2].As<Napi::Number>().Int32Value();
  if (port < 0 || port > 65535) throw Napi::RangeError::New(env, "openDatagramSocket: port out of range");

  sockaddr_storage ss{};
  socklen_t sslen;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    if (!address.empty() && inet_pton(AF_INET, address.c_str(), &sin->sin_addr) != 1) {
      throw Napi::TypeError::New(env, "openDatagramSocket: bad IPv4 address " + address);
    }
    sslen = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    if (!address.empty() && inet_pton(AF_INET6, address.c_str(), &sin6->sin6_addr) != 1) {
      throw Napi::TypeError::New(env, "openDatagramSocket: bad IPv6 address " + address);
    }
    sslen = sizeof(sockaddr_in6);
  }

  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, "socket", errno, family == AF_INET ? "AF_INET SOCK_DGRAM" : "AF_INET6 SOCK_DGRAM");

  if (info[6].ToBoolean().Value()) {
    int one = 1;
    SetOpt(env, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one), "SO_REUSEADDR");
  }
  if (info[3].IsNumber()) {
    unsigned int mark = info[3].As<Napi::Number>().Uint32Value();
    SetOpt(env, fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark), "SO_MARK " + std::to_string(mark));
  }
  if (info[4].IsString()) {
    std::string ifname = info[4].As<Napi::String>().Utf8Value();
    SetOpt(env, fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size() + 1), "SO_BINDTODEVICE " + ifname);
  }
  if (info[5].IsNumber()) {
    int minTtl = info[5].As<Napi::Number>().Int32Value();
    if (family == AF_INET) SetOpt(env, fd, IPPROTO_IP, IP_MINTTL, &minTtl, sizeof(minTtl), "IP_MINTTL " + std::to_string(minTtl));
    else SetOpt(env, fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &minTtl, sizeof(minTtl), "IPV6_MINHOPCOUNT " + std::to_string(minTtl));
    // Linux enforces IP_MINTTL / IPV6_MINHOPCOUNT for TCP only: a UDP socket takes a packet
    // whatever its TTL. A classic BPF filter reading the network header (SKF_NET_OFF: the IPv4
    // TTL at byte 8, the IPv6 hop limit at byte 7) drops the ones below minTtl.
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + (family == AF_INET ? 8 : 7))),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(minTtl), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
    SetOpt(env, fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog), "SO_ATTACH_FILTER (TTL >= " + std::to_string(minTtl) + ")");
  }
  if (!address.empty() || port != 0 || info[4].IsString()) {
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), sslen) < 0) {
      int err = errno;
      close(fd);
      throw ErrnoError(env, "bind", err, (address.empty() ? std::string("*") : address) + ":" + std::to_string(port));
    }
  }
  return Napi::Number::New(env, fd);
}
