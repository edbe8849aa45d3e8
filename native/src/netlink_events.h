#pragma once
#include <napi.h>
#include <uv.h>

// NetlinkEvents: a listen-only rtnetlink socket for multicast notifications, polled on the
// libuv loop. Here rather than in the netlink package because netlink 0.3.0 aborts the process
// when epoll reports an overrun (it builds the error outside a HandleScope); this one reports
// the overrun (ENOBUFS) as a value, keeps listening, and can take a large SO_RCVBUFFORCE buffer.
//
//   new NetlinkEvents(groups: number /* RTMGRP_* bitmask */, rcvbuf: number,
//                     onData: (datagram: Buffer | null, error?: Error) => void,
//                     protocol?: number /* NETLINK_ROUTE (default) or NETLINK_CONNECTOR */)
//   .send(message: Buffer)   one netlink message to the kernel (the proc connector's LISTEN)
//   .close()   stop polling and close the socket (releases the event loop)
// Datagrams not sent by the kernel (nl_pid != 0) are dropped.
class NetlinkEvents : public Napi::ObjectWrap<NetlinkEvents> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetlinkEvents(const Napi::CallbackInfo& info);
  ~NetlinkEvents() override;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain();
  void Report(Napi::Value datagram, Napi::Value error);
  void Stop();
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);

  int fd_ = -1;
  int protocol_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_data_;
};
