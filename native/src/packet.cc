// AF_PACKET transmit: the one thing raw-socket cannot do that VRRP needs (gratuitous ARP,
// and later unsolicited neighbour advertisements), because raw-socket only opens AF_INET and
// AF_INET6 sockets and has no sockaddr_ll.
#include "packet.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "errno_error.h"
#include "fd_argument.h"

namespace {

constexpr size_t kMaxFrame = 65535;

}  // namespace

Napi::Value OpenPacketSocket(const Napi::CallbackInfo& info) {
  // Protocol 0: the kernel never queues received frames on this socket.
  // Non-blocking: a full transmit queue is reported (EAGAIN) instead of stalling the loop.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(info.Env(), "socket", errno, "AF_PACKET");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value SendFrame(const Napi::CallbackInfo& info) {
  static const char* usage = "sendFrame(fd: number, ifindex: number, frame: Buffer)";
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[1].IsNumber() || !info[2].IsBuffer()) throw Napi::TypeError::New(env, usage);
  const int fd = FdArgument(info, usage);
  const int64_t ifindex = info[1].As<Napi::Number>().Int64Value();
  if (ifindex <= 0 || ifindex > INT32_MAX) {
    throw Napi::RangeError::New(env, "sendFrame: ifindex must be a positive interface index");
  }
  Napi::Buffer<uint8_t> frame = info[2].As<Napi::Buffer<uint8_t>>();
  if (frame.Length() < ETH_HLEN || frame.Length() > kMaxFrame) {
    throw Napi::RangeError::New(env, "sendFrame: frame must hold an Ethernet header (14 bytes) and at most 65535 bytes");
  }
  const std::string where = "AF_PACKET on ifindex " + std::to_string(ifindex);

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(ifindex);
  sll.sll_halen = ETH_ALEN;
  memcpy(sll.sll_addr, frame.Data(), ETH_ALEN);                                     // destination MAC
  memcpy(&sll.sll_protocol, frame.Data() + 2 * ETH_ALEN, sizeof sll.sll_protocol);  // EtherType, network order

  ssize_t sent;
  do {
    sent = sendto(fd, frame.Data(), frame.Length(), 0, reinterpret_cast<struct sockaddr*>(&sll), sizeof sll);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw ErrnoError(env, "sendto", errno, where);
  if (static_cast<size_t>(sent) != frame.Length()) throw Napi::Error::New(env, "sendto: short write on " + where);
  return Napi::Number::New(env, static_cast<double>(sent));
}

Napi::Value ClosePacketSocket(const Napi::CallbackInfo& info) {
  const int fd = FdArgument(info, "closePacketSocket(fd: number)");
  if (close(fd) < 0) throw ErrnoError(info.Env(), "close", errno, "AF_PACKET");
  return info.Env().Undefined();
}
