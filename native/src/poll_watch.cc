#include "poll_watch.h"

#include <string>

uv_poll_t* StartReadablePoll(Napi::Env env, int fd, void* owner, uv_poll_cb cb, const char* who) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, std::string(who) + ": no libuv loop");
  auto* poll = new uv_poll_t;
  poll->data = owner;
  int rc = uv_poll_init(loop, poll, fd);
  if (rc != 0) {
    delete poll;
    throw Napi::Error::New(env, std::string(who) + ": uv_poll: " + uv_strerror(rc));
  }
  rc = uv_poll_start(poll, UV_READABLE, cb);
  if (rc != 0) {
    uv_poll_t* started = poll;
    StopPoll(started);
    throw Napi::Error::New(env, std::string(who) + ": uv_poll: " + uv_strerror(rc));
  }
  return poll;
}

void StopPoll(uv_poll_t*& poll) {
  if (poll == nullptr) return;
  uv_poll_stop(poll);
  poll->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll = nullptr;
}

void CallListener(Napi::Env env, Napi::FunctionReference& listener, const std::vector<napi_value>& args) {
  try {
    listener.Call(args);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}
