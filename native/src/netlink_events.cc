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
  return DefineClass(env, "NetlinkEvents", {InstanceMethod("close", &NetlinkEvents::Close)});
}

NetlinkEvents::NetlinkEvents(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkEvents>(info) {
  Napi::Env env = info.Env();
  static const char* usage = "new NetlinkEvents(groups: number, rcvbuf: number, onData: function)";
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, usage);
  }
  const uint32_t groups = info[0].As<Napi::Number>().Uint32Value();
  const int rcvbuf = info[1].As<Napi::Number>().Int32Value();

  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) throw ErrnoError(env, "socket", errno, "AF_NETLINK NETLINK_ROUTE");
  if (rcvbuf > 0) {
    // FORCE passes net.core.rmem_max (needs CAP_NET_ADMIN); without it, the capped size.
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0 &&
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
      const int err = errno;
      Stop();
      throw ErrnoError(env, "setsockopt", err, "SO_RCVBUF on rtnetlink");
    }
  }
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (bind(fd_, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) {
    const int err = errno;
    Stop();
    throw ErrnoError(env, "bind", err, "rtnetlink groups");
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
    do {
      n = recv(fd_, buf.get(), kDatagram, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      const int err = errno;
      Report(env.Null(), ErrnoError(env, "recv", err, "rtnetlink notifications").Value());
      if (err == ENOBUFS) continue;  // the overrun is reported; the socket goes on
      return;
    }
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

Napi::Value NetlinkEvents::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}
