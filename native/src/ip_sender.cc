#include "ip_sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "errno_error.h"
#include "fd_argument.h"

Napi::Value OpenIpSender(const Napi::CallbackInfo& info) {
  static const char* usage = "openIpSender(ifname: string, ifindex: number)";
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, usage);
  const std::string ifname = info[0].As<Napi::String>().Utf8Value();
  const int64_t ifindex = info[1].As<Napi::Number>().Int64Value();
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) throw Napi::RangeError::New(env, "openIpSender: bad interface name");
  if (ifindex <= 0 || ifindex > INT32_MAX) throw Napi::RangeError::New(env, "openIpSender: ifindex must be a positive interface index");
  const std::string where = "IPPROTO_RAW on " + ifname;
  const int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) throw ErrnoError(env, "socket", errno, where);
  auto fail = [&](const char* what) {
    const int err = errno;
    close(fd);
    throw ErrnoError(env, "setsockopt", err, std::string(what) + " on " + where);
  };
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size() + 1)) < 0) fail("SO_BINDTODEVICE");
  struct ip_mreqn mreq;
  memset(&mreq, 0, sizeof mreq);
  mreq.imr_ifindex = static_cast<int>(ifindex);
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) < 0) fail("IP_MULTICAST_IF");
  const int off = 0;
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof off) < 0) fail("IP_MULTICAST_LOOP");
  return Napi::Number::New(env, fd);
}

Napi::Value SendIpPacket(const Napi::CallbackInfo& info) {
  static const char* usage = "sendIpPacket(fd: number, packet: Buffer, destination: string)";
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[1].IsBuffer() || !info[2].IsString()) throw Napi::TypeError::New(env, usage);
  const int fd = FdArgument(info, usage);
  Napi::Buffer<uint8_t> packet = info[1].As<Napi::Buffer<uint8_t>>();
  if (packet.Length() < 20 || packet.Length() > 65535) throw Napi::RangeError::New(env, "sendIpPacket: packet must hold an IPv4 header (20 bytes) and at most 65535 bytes");
  const std::string dst = info[2].As<Napi::String>().Utf8Value();
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  if (inet_pton(AF_INET, dst.c_str(), &sin.sin_addr) != 1) throw Napi::RangeError::New(env, "sendIpPacket: destination is not an IPv4 address: " + dst);
  ssize_t sent;
  do {
    sent = sendto(fd, packet.Data(), packet.Length(), 0, reinterpret_cast<struct sockaddr*>(&sin), sizeof sin);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw ErrnoError(env, "sendto", errno, "IPPROTO_RAW to " + dst);
  return Napi::Number::New(env, static_cast<double>(sent));
}

Napi::Value CloseIpSender(const Napi::CallbackInfo& info) {
  const int fd = FdArgument(info, "closeIpSender(fd: number)");
  if (close(fd) < 0) throw ErrnoError(info.Env(), "close", errno, "IPPROTO_RAW");
  return info.Env().Undefined();
}
