#include "inotify_watch.h"

#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>

#include "errno_error.h"
#include "poll_watch.h"

namespace {

constexpr int kPerWakeup = 64;  // bound the work per loop iteration

}  // namespace

Napi::Function InotifyWatch::Define(Napi::Env env) {
  return DefineClass(env, "InotifyWatch", {InstanceMethod("add", &InotifyWatch::Add), InstanceMethod("close", &InotifyWatch::Close)});
}

InotifyWatch::InotifyWatch(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InotifyWatch>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "new InotifyWatch(onEvent: function)");
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw ErrnoError(env, "inotify_init1", errno, "track files");
  try {
    poll_ = StartReadablePoll(env, fd_, this, OnPoll, "InotifyWatch");
  } catch (const Napi::Error&) {
    Stop();
    throw;
  }
  on_event_ = Napi::Persistent(info[0].As<Napi::Function>());
  Ref();  // stay alive while polling; Stop() drops it
}

InotifyWatch::~InotifyWatch() { Stop(); }

void InotifyWatch::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<InotifyWatch*>(handle->data);
  if (self == nullptr || self->fd_ < 0) return;
  self->Drain();
  if (status < 0 && self->poll_ != nullptr) uv_poll_start(self->poll_, UV_READABLE, OnPoll);
}

void InotifyWatch::Drain() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  alignas(struct inotify_event) char buf[64 * (sizeof(struct inotify_event) + 256)];
  for (int i = 0; i < kPerWakeup && fd_ >= 0; i++) {
    ssize_t n;
    do {
      n = read(fd_, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return;  // EAGAIN: drained
    for (char* p = buf; p < buf + n && fd_ >= 0;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
      CallListener(env, on_event_, {Napi::Number::New(env, ev->wd), Napi::Number::New(env, ev->mask), Napi::String::New(env, name)});
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
}

void InotifyWatch::Stop() {
  if (poll_ != nullptr) {
    StopPoll(poll_);
    if (!on_event_.IsEmpty()) {
      on_event_.Reset();
      Unref();
    }
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

Napi::Value InotifyWatch::Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "add(path: string, mask: number)");
  if (fd_ < 0) throw Napi::Error::New(env, "InotifyWatch: closed");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int wd = inotify_add_watch(fd_, path.c_str(), info[1].As<Napi::Number>().Uint32Value());
  if (wd < 0) throw ErrnoError(env, "inotify_add_watch", errno, path.c_str());
  return Napi::Number::New(env, wd);
}

Napi::Value InotifyWatch::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}
