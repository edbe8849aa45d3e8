// execv(2) for `halo run`: the Node process that parsed the command line and took the pid file
// becomes the supervisor (native/src/supervisor.c) with the same pid, so what systemd and the
// pid file know as halo is the small process that outlives a crashed worker.
#include "exec.h"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "errno_error.h"

// exec(path, argv[]): returns only on failure (throws).
Napi::Value Exec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    throw Napi::TypeError::New(env, "exec(path, argv[])");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array arr = info[1].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < arr.Length(); i++) args.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Node marks its stdio descriptors close-on-exec; the supervisor and its worker write there
  for (int fd = 0; fd <= 2; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  execv(path.c_str(), argv.data());
  throw ErrnoError(env, "execv", errno, path);
}
