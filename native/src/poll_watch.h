// What the addon's polled sockets (NetlinkEvents, Vrrp6Socket) share: a readable-descriptor
// watcher on Node's libuv loop, and calling their JavaScript listener from it.
#pragma once
#include <napi.h>
#include <uv.h>

#include <vector>

// Watch `fd` for readability on env's loop; `cb` gets the handle with ->data = owner.
// Throws Napi::Error "<who>: uv_poll: ..." (the caller cleans up its descriptor).
uv_poll_t* StartReadablePoll(Napi::Env env, int fd, void* owner, uv_poll_cb cb, const char* who);

// Stop watching and free the handle (libuv closes it asynchronously); `poll` becomes null.
void StopPoll(uv_poll_t*& poll);

// Call a listener; one that throws becomes the application's uncaught exception, not an abort.
void CallListener(Napi::Env env, Napi::FunctionReference& listener, const std::vector<napi_value>& args);
