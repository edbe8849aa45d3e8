#include "netlink_events.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "errno_error.h"

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

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Stop();
    throw Napi::Error::New(env, "NetlinkEvents: no libuv loop");
  }
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, OnPoll);
  if (rc != 0) {
    Stop();
    throw Napi::Error::New(env, std::string("NetlinkEvents: uv_poll: ") + uv_strerror(rc));
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

void NetlinkEvents::Report(Napi::Value datagram, Napi::Value error) {
  Napi::Env env = Env();
  try {
    on_data_.Call({datagram, error});
  } catch (const Napi::Error& e) {
    // A throwing listener is the application's uncaught exception, not a reason to abort.
    napi_fatal_exception(env, e.Value());
  }
}

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
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
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
