#pragma once
#include <napi.h>
#include <uv.h>

// DeadlineTimer: one timerfd (CLOCK_MONOTONIC, nanosecond resolution) watched on the libuv loop,
// for deadlines that must fire on time. libuv's own timers count in whole milliseconds of a
// cached loop clock and epoll_wait sleeps in whole milliseconds, so a setTimeout wakes 0–2 ms
// late; a timerfd becoming readable wakes epoll_wait at once (keepalived's scheduler waits on a
// timerfd the same way).
//
//   new DeadlineTimer(onExpire: () => void)
//   .arm(delayMs: number)  (re)arm, fractional milliseconds from now; <= 0 fires on the next poll
//   .disarm()              cancel; the loop is no longer held
//   .close()               disarm and close the descriptor
// While armed the timer holds the event loop (as a pending setTimeout does); onExpire runs in a
// callback scope, so promise continuations and nextTicks run right after it. The descriptor is
// watched from construction to close(): arming is one timerfd_settime, with no epoll_ctl.
class DeadlineTimer : public Napi::ObjectWrap<DeadlineTimer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DeadlineTimer(const Napi::CallbackInfo& info);
  ~DeadlineTimer() override;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  Napi::Value Arm(const Napi::CallbackInfo& info);
  Napi::Value Disarm(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void SetTime(Napi::Env env, long long ns);
  void Stop();

  int fd_ = -1;
  bool armed_ = false;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_expire_;
  Napi::AsyncContext* context_ = nullptr;
};
