#include "deadline_timer.h"

#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "errno_error.h"

Napi::Function DeadlineTimer::Define(Napi::Env env) {
  return DefineClass(env, "DeadlineTimer",
                     {InstanceMethod("arm", &DeadlineTimer::Arm), InstanceMethod("disarm", &DeadlineTimer::Disarm),
                      InstanceMethod("close", &DeadlineTimer::Close)});
}

DeadlineTimer::DeadlineTimer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeadlineTimer>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "new DeadlineTimer(onExpire: function)");
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) throw ErrnoError(env, "timerfd_create", errno, "CLOCK_MONOTONIC");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Stop();
    throw Napi::Error::New(env, "DeadlineTimer: no libuv loop");
  }
  poll_ = new uv_poll_t;
  poll_->data = this;
  const int rc = uv_poll_init(loop, poll_, fd_);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    Stop();
    throw Napi::Error::New(env, std::string("DeadlineTimer: uv_poll_init: ") + uv_strerror(rc));
  }
  // Watched from now until close: re-arming only sets the timerfd. Starting and stopping the poll
  // handle at each expiry cost three epoll_ctl calls per wake-up (libuv's uv_poll_start removes
  // and re-adds the descriptor); a disarmed timerfd is simply never readable. The handle is
  // unreferenced while disarmed, so an idle timer does not hold the loop.
  const int started = uv_poll_start(poll_, UV_READABLE, OnPoll);
  if (started != 0) {
    Stop();
    throw Napi::Error::New(env, std::string("DeadlineTimer: uv_poll_start: ") + uv_strerror(started));
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  on_expire_ = Napi::Persistent(info[0].As<Napi::Function>());
  context_ = new Napi::AsyncContext(env, "halo.DeadlineTimer");
}

DeadlineTimer::~DeadlineTimer() { Stop(); }

void DeadlineTimer::SetTime(Napi::Env env, long long ns) {
  struct itimerspec its = {};
  its.it_value.tv_sec = ns / 1000000000LL;
  its.it_value.tv_nsec = ns % 1000000000LL;
  if (timerfd_settime(fd_, 0, &its, nullptr) < 0) throw ErrnoError(env, "timerfd_settime", errno, "deadline timer");
}

Napi::Value DeadlineTimer::Arm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "arm(delayMs: number)");
  if (fd_ < 0) throw Napi::Error::New(env, "DeadlineTimer: closed");
  const double ms = info[0].As<Napi::Number>().DoubleValue();
  // it_value 0 would disarm: the earliest expiry is 1 ns from now
  long long ns = ms > 0 ? static_cast<long long>(ms * 1e6) : 1;
  if (ns < 1) ns = 1;
  SetTime(env, ns);
  if (!armed_) {
    uv_ref(reinterpret_cast<uv_handle_t*>(poll_));  // an armed timer holds the loop, as a pending setTimeout does
    Ref();                                          // and the object stays alive while armed
    armed_ = true;
  }
  return env.Undefined();
}

Napi::Value DeadlineTimer::Disarm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ >= 0 && armed_) {
    SetTime(env, 0);  // also clears an expiry not yet read: the descriptor is no longer readable
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    armed_ = false;
    Unref();
  }
  return env.Undefined();
}

void DeadlineTimer::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  auto* self = static_cast<DeadlineTimer*>(handle->data);
  if (self == nullptr || self->fd_ < 0) return;
  uint64_t expirations = 0;
  ssize_t n;
  do {
    n = read(self->fd_, &expirations, sizeof expirations);
  } while (n < 0 && errno == EINTR);
  // (read even when disarmed: a readable descriptor left unread would wake every poll)
  if (n < 0 || !self->armed_) return;  // EAGAIN: re-armed or disarmed between the wake-up and now (settime clears the count)
  uv_unref(reinterpret_cast<uv_handle_t*>(self->poll_));
  self->armed_ = false;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  self->Unref();
  try {
    // MakeCallback, not Call: the callback scope drains microtasks and nextTicks afterwards
    self->on_expire_.MakeCallback(env.Global(), {}, *self->context_);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

void DeadlineTimer::Stop() {
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (armed_) {
    armed_ = false;
    Unref();
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (context_ != nullptr) {
    delete context_;
    context_ = nullptr;
  }
  if (!on_expire_.IsEmpty()) on_expire_.Reset();
}

Napi::Value DeadlineTimer::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}
