#include "vrrp6_socket.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "errno_error.h"
#include "poll_watch.h"

namespace {

constexpr int kVrrpProtocol = 112;
constexpr size_t kDatagram = 65535;
constexpr int kPerWakeup = 64;  // bound the work per loop iteration
#ifndef IPV6_MULTICAST_ALL
constexpr int IPV6_MULTICAST_ALL = 29;
#endif

bool Address16(const Napi::Value& v, unsigned char out[16]) {
  if (!v.IsBuffer()) return false;
  auto b = v.As<Napi::Buffer<uint8_t>>();
  if (b.Length() != 16) return false;
  memcpy(out, b.Data(), 16);
  return true;
}

// A msghdr over one buffer, with an address and a control buffer (recvmsg and sendmsg alike).
struct msghdr MessageHeader(struct sockaddr_in6* name, struct iovec* iov, void* control, size_t controllen) {
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = name;
  msg.msg_namelen = sizeof *name;
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = controllen;
  return msg;
}

struct ipv6_mreq Membership(const unsigned char group[16], int ifindex) {
  struct ipv6_mreq mreq;
  memcpy(&mreq.ipv6mr_multiaddr, group, 16);
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  return mreq;
}

}  // namespace

Napi::Function Vrrp6Socket::Define(Napi::Env env) {
  return DefineClass(env, "Vrrp6Socket",
                     {InstanceMethod("send", &Vrrp6Socket::Send), InstanceMethod("close", &Vrrp6Socket::Close)});
}

Vrrp6Socket::Vrrp6Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Vrrp6Socket>(info) {
  Napi::Env env = info.Env();
  static const char* usage = "new Vrrp6Socket(ifname: string, ifindex: number, group: Buffer | null, onMessage: function)";
  if (info.Length() != 4 || !info[0].IsString() || !info[1].IsNumber() || !info[3].IsFunction()) {
    throw Napi::TypeError::New(env, usage);
  }
  ifname_ = info[0].As<Napi::String>().Utf8Value();
  ifindex_ = info[1].As<Napi::Number>().Int32Value();
  const bool multicast = !info[2].IsNull() && !info[2].IsUndefined();
  if (multicast && !Address16(info[2], group_)) throw Napi::TypeError::New(env, "Vrrp6Socket: group must be a 16-byte Buffer or null");

  fd_ = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kVrrpProtocol);
  if (fd_ < 0) throw ErrnoError(env, "socket", errno, "AF_INET6 raw protocol 112 on " + ifname_);
  const int on = 1, off = 0, hops = 255, tclass = 0xc0;  // traffic class CS6, as keepalived's if_setsockopt_priority
  struct Opt {
    int level, name;
    const void* value;
    socklen_t len;
    const char* what;
  };
  const Opt opts[] = {
      {SOL_SOCKET, SO_BINDTODEVICE, ifname_.c_str(), static_cast<socklen_t>(ifname_.size() + 1), "SO_BINDTODEVICE"},
      {IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off, "IPV6_MULTICAST_ALL=0"},
      {IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on, "IPV6_RECVHOPLIMIT"},
      {IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on, "IPV6_RECVPKTINFO"},
      {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops, "IPV6_MULTICAST_HOPS=255"},
      {IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex_, sizeof ifindex_, "IPV6_MULTICAST_IF"},
      {IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off, "IPV6_MULTICAST_LOOP=0"},
      {IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass, "IPV6_TCLASS=0xc0"},
  };
  for (const Opt& o : opts) {
    if (setsockopt(fd_, o.level, o.name, o.value, o.len) < 0) {
      const int err = errno;
      Stop();
      throw ErrnoError(env, "setsockopt", err, std::string(o.what) + " on the VRRP socket of " + ifname_);
    }
  }
  if (multicast) {
    const struct ipv6_mreq mreq = Membership(group_, ifindex_);
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
      const int err = errno;
      Stop();
      throw ErrnoError(env, "setsockopt", err, "IPV6_ADD_MEMBERSHIP on " + ifname_);
    }
    joined_ = true;
  }

  try {
    poll_ = StartReadablePoll(env, fd_, this, OnPoll, "Vrrp6Socket");
  } catch (const Napi::Error&) {
    Stop();
    throw;
  }
  on_message_ = Napi::Persistent(info[3].As<Napi::Function>());
  Ref();  // stay alive while polling; Stop() drops it
}

Vrrp6Socket::~Vrrp6Socket() { Stop(); }

void Vrrp6Socket::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<Vrrp6Socket*>(handle->data);
  if (self == nullptr || self->fd_ < 0) return;
  self->Drain();
  if (status < 0 && self->poll_ != nullptr) uv_poll_start(self->poll_, UV_READABLE, OnPoll);
}

void Vrrp6Socket::Report(const std::vector<napi_value>& args) { CallListener(Env(), on_message_, args); }

void Vrrp6Socket::Drain() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kDatagram]);
  alignas(struct cmsghdr) unsigned char control[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
  for (int i = 0; i < kPerWakeup && fd_ >= 0; i++) {
    struct sockaddr_in6 from;
    struct iovec iov = {buf.get(), kDatagram};
    struct msghdr msg = MessageHeader(&from, &iov, control, sizeof control);
    ssize_t n;
    do {
      n = recvmsg(fd_, &msg, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      const int err = errno;
      Report({ErrnoError(env, "recvmsg", err, "VRRP socket of " + ifname_).Value()});
      return;
    }
    int hop_limit = -1;
    Napi::Value destination = env.Null();
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_IPV6) continue;
      if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        memcpy(&hop_limit, CMSG_DATA(c), sizeof(int));
      } else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
        struct in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        destination = Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&pi.ipi6_addr), 16);
      }
    }
    const size_t len = (msg.msg_flags & MSG_TRUNC) ? kDatagram : static_cast<size_t>(n);
    Report({env.Null(), Napi::Buffer<uint8_t>::Copy(env, buf.get(), len),
            Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&from.sin6_addr), 16),
            Napi::Number::New(env, hop_limit), destination});
  }
}

Napi::Value Vrrp6Socket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char* usage = "send(data: Buffer, destination: Buffer(16), source: Buffer(16) | null, hopLimit: number)";
  unsigned char dst[16], src[16];
  if (info.Length() != 4 || !info[0].IsBuffer() || !Address16(info[1], dst) || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, usage);
  }
  const bool have_src = Address16(info[2], src);
  if (!have_src && !info[2].IsNull()) throw Napi::TypeError::New(env, usage);
  if (fd_ < 0) throw ErrnoError(env, "sendmsg", EBADF, "VRRP socket of " + ifname_ + " is closed");
  const int hop_limit = info[3].As<Napi::Number>().Int32Value();
  auto data = info[0].As<Napi::Buffer<uint8_t>>();

  struct sockaddr_in6 to;
  memset(&to, 0, sizeof to);
  to.sin6_family = AF_INET6;
  memcpy(&to.sin6_addr, dst, 16);
  to.sin6_scope_id = static_cast<uint32_t>(ifindex_);  // link-local and ff02:: need the interface
  struct iovec iov = {data.Data(), data.Length()};
  alignas(struct cmsghdr) unsigned char control[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg = MessageHeader(&to, &iov, control, CMSG_SPACE(sizeof(struct in6_pktinfo)) + (hop_limit >= 0 ? CMSG_SPACE(sizeof(int)) : 0));
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  if (have_src) memcpy(&pi.ipi6_addr, src, 16);
  pi.ipi6_ifindex = static_cast<unsigned>(ifindex_);
  memcpy(CMSG_DATA(c), &pi, sizeof pi);
  if (hop_limit >= 0) {
    c = CMSG_NXTHDR(&msg, c);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &hop_limit, sizeof(int));
  }
  ssize_t sent;
  do {
    sent = sendmsg(fd_, &msg, 0);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw ErrnoError(env, "sendmsg", errno, "VRRP socket of " + ifname_);
  return Napi::Number::New(env, static_cast<double>(sent));
}

void Vrrp6Socket::Stop() {
  if (poll_ != nullptr) {
    StopPoll(poll_);
    if (!on_message_.IsEmpty()) {
      on_message_.Reset();
      Unref();
    }
  }
  if (fd_ >= 0) {
    if (joined_) {
      const struct ipv6_mreq mreq = Membership(group_, ifindex_);
      setsockopt(fd_, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mreq, sizeof mreq);  // the kernel drops it on close anyway
      joined_ = false;
    }
    close(fd_);
    fd_ = -1;
  }
}

Napi::Value Vrrp6Socket::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}
