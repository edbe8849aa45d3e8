#include "netlink_events.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "errno_error.h"
#include "poll_watch.h"

namespace {

constexpr size_t kDatagram = 64 * 1024;  // larger than any rtnetlink notification
constexpr int kPerWakeup = 64;           // bound the work per loop iteration

}  // namespace

Napi::Function NetlinkEvents::Define(Napi::Env env) {
  return DefineClass(env, "NetlinkEvents",
                     {InstanceMethod("close", &NetlinkEvents::Close), InstanceMethod("send", &NetlinkEvents::Send)});
}

NetlinkEvents::NetlinkEvents(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkEvents>(info) {
  Napi::Env env = info.Env();
  static const char* usage = "new NetlinkEvents(groups: number, rcvbuf: number, onData: function[, protocol: number])";
  if (info.Length() < 3 || info.Length() > 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsFunction() ||
      (info.Length() == 4 && !info[3].IsNumber())) {
    throw Napi::TypeError::New(env, usage);
  }
  const uint32_t groups = info[0].As<Napi::Number>().Uint32Value();
  const int rcvbuf = info[1].As<Napi::Number>().Int32Value();
  protocol_ = info.Length() == 4 ? info[3].As<Napi::Number>().Int32Value() : NETLINK_ROUTE;
  if (protocol_ != NETLINK_ROUTE && protocol_ != NETLINK_CONNECTOR) throw Napi::TypeError::New(env, "NetlinkEvents: protocol must be NETLINK_ROUTE or NETLINK_CONNECTOR");
  const char* what = protocol_ == NETLINK_ROUTE ? "AF_NETLINK NETLINK_ROUTE" : "AF_NETLINK NETLINK_CONNECTOR";

  fd_ = socket(AF_NETLINK, (protocol_ == NETLINK_ROUTE ? SOCK_RAW : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol_);
  if (fd_ < 0) throw ErrnoError(env, "socket", errno, what);
  if (rcvbuf > 0) {
    // FORCE passes net.core.rmem_max (needs CAP_NET_ADMIN); without it, the capped size.
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0 &&
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
      const int err = errno;
      Stop();
      throw ErrnoError(env, "setsockopt", err, protocol_ == NETLINK_ROUTE ? "SO_RCVBUF on rtnetlink" : "SO_RCVBUF on the process connector");
    }
  }
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (bind(fd_, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) {
    const int err = errno;
    Stop();
    throw ErrnoError(env, "bind", err, protocol_ == NETLINK_ROUTE ? "rtnetlink groups" : "process connector group");
  }

  try {
    poll_ = StartReadablePoll(env, fd_, this, OnPoll, "NetlinkEvents");
  } catch (const Napi::Error&) {
    Stop();
    throw;
  }
  on_data_ = Napi::Persistent(info[2].As<Napi::Function>());
  Ref();  // stay alive while polling, whatever JS holds; Stop() drops it
}

NetlinkEvents::~NetlinkEvents() { Stop(); }

void NetlinkEvents::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<NetlinkEvents*>(handle->data);
  if (self == nullptr || self->fd_ < 0) return;
  // On EPOLLERR (status < 0) libuv has stopped the watcher. The socket error is an overrun
  // (ENOBUFS): the read below collects and clears it; then watch again.
  self->Drain();
  if (status < 0 && self->poll_ != nullptr) uv_poll_start(self->poll_, UV_READABLE, OnPoll);
}

void NetlinkEvents::Report(Napi::Value datagram, Napi::Value error) { CallListener(Env(), on_data_, {datagram, error}); }

void NetlinkEvents::Drain() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kDatagram]);
  for (int i = 0; i < kPerWakeup && fd_ >= 0; i++) {
    ssize_t n;
    struct sockaddr_nl from;
    socklen_t fromlen;
    do {
      fromlen = sizeof from;
      n = recvfrom(fd_, buf.get(), kDatagram, MSG_DONTWAIT, reinterpret_cast<struct sockaddr*>(&from), &fromlen);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      const int err = errno;
      Report(env.Null(), ErrnoError(env, "recv", err, protocol_ == NETLINK_ROUTE ? "rtnetlink notifications" : "process events").Value());
      if (err == ENOBUFS) continue;  // the overrun is reported; the socket goes on
      return;
    }
    if (fromlen != sizeof from || from.nl_pid != 0) continue;  // not from the kernel
    Report(Napi::Buffer<uint8_t>::Copy(env, buf.get(), static_cast<size_t>(n)), env.Undefined());
  }
}

void NetlinkEvents::Stop() {
  if (poll_ != nullptr) {
    StopPoll(poll_);
    if (!on_data_.IsEmpty()) {
      on_data_.Reset();
      Unref();
    }
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

Napi::Value NetlinkEvents::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "send(message: Buffer)");
  if (fd_ < 0) throw Napi::Error::New(env, "NetlinkEvents: socket closed");
  auto msg = info[0].As<Napi::Buffer<uint8_t>>();
  ssize_t n;
  do {
    n = send(fd_, msg.Data(), msg.Length(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw ErrnoError(env, "send", errno, protocol_ == NETLINK_ROUTE ? "rtnetlink" : "process connector");
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value NetlinkEvents::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}
