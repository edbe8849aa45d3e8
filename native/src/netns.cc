// withNetns(path, fn): fn() runs with the calling thread in the network namespace at `path`
// (/var/run/netns/NAME, /proc/1/ns/net), then the thread goes back to its own namespace, also
// when fn throws. A socket fn creates stays in that namespace (keepalived's
// set_netns_name/restore_net_namespace around genl_connect, for net_namespace_ipvs).
#include "netns.h"

#include <cerrno>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "errno_error.h"

Napi::Value WithNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "withNetns(path, fn)");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) throw ErrnoError(env, "open", errno, "/proc/thread-self/ns/net");
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(own);
    throw ErrnoError(env, "open", err, path);
  }
  int r = setns(target, CLONE_NEWNET);
  int err = errno;
  close(target);
  if (r < 0) {
    close(own);
    throw ErrnoError(env, "setns", err, path);
  }
  Napi::Value result;
  bool threw = false;
  Napi::Error error;
  try {
    result = info[1].As<Napi::Function>().Call({});
  } catch (const Napi::Error& e) {
    threw = true;
    error = e;
  }
  r = setns(own, CLONE_NEWNET);
  close(own);
  // a thread left in the other namespace would put every later socket there: stop here
  if (r < 0) Napi::Error::Fatal("withNetns", "setns back to the thread's own network namespace failed");
  if (threw) throw error;
  return result;
}
