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

#include <string>
#include <utility>
#include <vector>

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

// The TTL filter (see below): per source address a minimum of its own (`rules`: address bytes,
// minimum), every other source `fallback` (< 0: taken whatever its TTL). Each rule is a block
// that falls through to the next on a different source, and ends in its own verdict, so every
// jump stays short whatever the number of rules.
std::vector<sock_filter> TtlFilter(int family, const std::vector<std::pair<std::vector<uint8_t>, int>>& rules, int fallback) {
  const uint32_t ttl = static_cast<uint32_t>(SKF_NET_OFF + (family == AF_INET ? 8 : 7));
  const uint32_t src = static_cast<uint32_t>(SKF_NET_OFF + (family == AF_INET ? 12 : 8));
  const size_t words = family == AF_INET ? 1 : 4;
  std::vector<sock_filter> code;
  auto verdict = [&](int min) {
    code.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ttl));
    code.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(min), 0, 1));
    code.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffffffffu));
    code.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  };
  for (const auto& r : rules) {
    const size_t block = 2 * words + 4;
    for (size_t w = 0; w < words; w++) {
      const uint8_t* a = r.first.data() + 4 * w;
      const uint32_t word = (uint32_t(a[0]) << 24) | (uint32_t(a[1]) << 16) | (uint32_t(a[2]) << 8) | a[3];
      code.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, src + static_cast<uint32_t>(4 * w)));
      code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, word, 0, static_cast<uint8_t>(block - 2 * w - 2)));
    }
    verdict(r.second);
  }
  if (fallback >= 0) verdict(fallback);
  else code.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffffffffu));
  return code;
}

}  // namespace

// openDatagramSocket(family 4|6, address | null, port, fwmark | null, ifname | null, minTtl | null,
//                    reuseAddr, ttlBySource?: Array<[address, minTtl]>) -> fd
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
    // TTL at byte 8, the IPv6 hop limit at byte 7, the source at 12 / 8) drops the ones below
    // minTtl, or below their source's own minimum (argument 8: [[address, minimum], ...]), as
    // keepalived's bfd_check_packet_ttl checks each packet against its session's.
    std::vector<std::pair<std::vector<uint8_t>, int>> rules;
    if (info.Length() > 7 && info[7].IsArray()) {
      Napi::Array a = info[7].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (!e.IsArray()) continue;
        Napi::Array pair = e.As<Napi::Array>();
        std::string text = pair.Get(0u).ToString().Utf8Value();
        std::vector<uint8_t> bytes(family == AF_INET ? 4 : 16);
        if (inet_pton(family, text.c_str(), bytes.data()) != 1) {
          close(fd);
          throw Napi::TypeError::New(env, "openDatagramSocket: bad source address in the TTL rules " + text);
        }
        rules.emplace_back(bytes, pair.Get(1u).ToNumber().Int32Value());
      }
    }
    std::vector<sock_filter> code = TtlFilter(family, rules, minTtl);
    struct sock_fprog prog = {static_cast<unsigned short>(code.size()), code.data()};
    SetOpt(env, fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog), "SO_ATTACH_FILTER (TTL >= " + std::to_string(minTtl) + ", " + std::to_string(rules.size()) + " per source)");
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
