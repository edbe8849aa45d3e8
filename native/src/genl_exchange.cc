#include "genl_exchange.h"

#include <errno.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errno_error.h"

namespace {

// A dump's datagram is at most 32 KiB (the kernel caps it at SKB_WITH_OVERHEAD(32768) when the
// reader offers more); 64 KiB leaves room, and a longer one is reported, never cut silently.
constexpr size_t kDatagram = 64 * 1024;
// Datagrams taken by one recvmmsg.
constexpr size_t kBatch = 8;

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Does `buf` (one datagram) end the request `seq`: an NLMSG_ERROR (ACK or error) or NLMSG_DONE
// with that sequence number?
bool EndsRequest(const char* buf, size_t len, uint32_t seq) {
  size_t off = 0;
  while (off + NLMSG_HDRLEN <= len) {
    const struct nlmsghdr* h = reinterpret_cast<const struct nlmsghdr*>(buf + off);
    if (h->nlmsg_len < NLMSG_HDRLEN || off + h->nlmsg_len > len) return false;
    if (h->nlmsg_seq == seq && (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)) return true;
    off += NLMSG_ALIGN(h->nlmsg_len);
  }
  return false;
}

}  // namespace

// netlinkExchange(protocol, requests, timeoutMs): `requests` holds netlink messages back to
// back. Each is sent alone (a socket runs one dump at a time) and its replies are read until
// the NLMSG_DONE or NLMSG_ERROR carrying its sequence number; then the next one goes. Returns
// every reply datagram concatenated, in order (the caller matches messages by sequence number).
// A reply that does not come within timeoutMs of the last one throws ETIMEDOUT.
Napi::Value NetlinkExchange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsBuffer() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "netlinkExchange(protocol: number, requests: Buffer, timeoutMs: number)");
  }
  const int protocol = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> requests = info[1].As<Napi::Buffer<char>>();
  const int64_t timeoutMs = info[2].As<Napi::Number>().Int64Value();

  Fd s{socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol)};
  if (s.fd < 0) throw ErrnoError(env, "socket", errno, "AF_NETLINK for a netlink exchange");
  struct timeval tv {};
  tv.tv_sec = timeoutMs / 1000;
  tv.tv_usec = (timeoutMs % 1000) * 1000;
  if (setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) throw ErrnoError(env, "setsockopt", errno, "SO_RCVTIMEO on a netlink socket");
  int rcvbuf = 1 << 20;
  setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);  // best effort: replies are read one request at a time
  struct sockaddr_nl local {};
  local.nl_family = AF_NETLINK;
  if (bind(s.fd, reinterpret_cast<struct sockaddr*>(&local), sizeof local) < 0) throw ErrnoError(env, "bind", errno, "netlink exchange socket");

  struct sockaddr_nl kernel {};
  kernel.nl_family = AF_NETLINK;
  std::vector<char> out;
  out.reserve(1 << 20);
  size_t used = 0;
  const char* req = requests.Data();
  const size_t total = requests.Length();
  size_t off = 0;
  while (off + NLMSG_HDRLEN <= total) {
    const struct nlmsghdr* h = reinterpret_cast<const struct nlmsghdr*>(req + off);
    if (h->nlmsg_len < NLMSG_HDRLEN || off + h->nlmsg_len > total) throw Napi::RangeError::New(env, "netlinkExchange: malformed request message");
    const uint32_t seq = h->nlmsg_seq;
    ssize_t n;
    do {
      n = sendto(s.fd, h, h->nlmsg_len, 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw ErrnoError(env, "sendto", errno, "netlink request");
    off += NLMSG_ALIGN(h->nlmsg_len);
    // The kernel writes a dump's next datagram (here mostly the NLMSG_DONE) while the reader's
    // recvmsg runs, so one recvmmsg takes a short dump whole: a request costs two system calls
    // (sendto, recvmmsg) where a recv per datagram costs three.
    for (;;) {
      if (out.size() < used + kBatch * kDatagram) out.resize(std::max(out.size() * 2, used + kBatch * kDatagram));
      struct mmsghdr msgs[kBatch];
      struct iovec iov[kBatch];
      for (size_t i = 0; i < kBatch; i++) {
        iov[i].iov_base = out.data() + used + i * kDatagram;
        iov[i].iov_len = kDatagram;
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int got;
      do {
        got = recvmmsg(s.fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
      } while (got < 0 && errno == EINTR);
      if (got < 0) throw ErrnoError(env, "recvmmsg", errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno, "netlink reply");
      bool last = false;
      for (int i = 0; i < got; i++) {
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) throw ErrnoError(env, "recvmmsg", EMSGSIZE, "netlink reply longer than 64 KiB");
        const size_t len = msgs[i].msg_len;
        // datagrams land in their own slots: close the gaps so the result is contiguous
        char* dst = out.data() + used;
        if (i > 0) memmove(dst, static_cast<char*>(iov[i].iov_base), len);
        last = last || EndsRequest(dst, len, seq);
        used += len;
      }
      if (last) break;
    }
  }
  return Napi::Buffer<char>::Copy(env, out.data(), used);
}
