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

namespace {

constexpr size_t kMaxFrame = 65535;

// Closes the descriptor on every path out of SendFrame, errors included.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Napi::Value SendFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsNumber() || !info[1].IsBuffer()) {
    throw Napi::TypeError::New(env, "sendFrame(ifindex: number, frame: Buffer)");
  }
  const int64_t ifindex = info[0].As<Napi::Number>().Int64Value();
  if (ifindex <= 0 || ifindex > INT32_MAX) {
    throw Napi::RangeError::New(env, "sendFrame: ifindex must be a positive interface index");
  }
  Napi::Buffer<uint8_t> frame = info[1].As<Napi::Buffer<uint8_t>>();
  if (frame.Length() < ETH_HLEN || frame.Length() > kMaxFrame) {
    throw Napi::RangeError::New(env, "sendFrame: frame must hold an Ethernet header (14 bytes) and at most 65535 bytes");
  }
  const std::string where = "on ifindex " + std::to_string(ifindex);

  // Protocol 0: a send-only socket, so the kernel never queues received frames on it.
  // Non-blocking: a full transmit queue is reported (EAGAIN) instead of stalling the loop.
  Fd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw ErrnoError(env, "socket", errno, "AF_PACKET " + where);

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(ifindex);
  sll.sll_halen = ETH_ALEN;
  memcpy(sll.sll_addr, frame.Data(), ETH_ALEN);                                 // destination MAC
  memcpy(&sll.sll_protocol, frame.Data() + 2 * ETH_ALEN, sizeof sll.sll_protocol);  // EtherType, network order

  const ssize_t sent = sendto(fd.get(), frame.Data(), frame.Length(), 0,
                              reinterpret_cast<struct sockaddr*>(&sll), sizeof sll);
  if (sent < 0) throw ErrnoError(env, "sendto", errno, "AF_PACKET " + where);
  if (static_cast<size_t>(sent) != frame.Length()) {
    throw Napi::Error::New(env, "sendto: short write on AF_PACKET " + where);
  }
  return Napi::Number::New(env, static_cast<double>(sent));
}
