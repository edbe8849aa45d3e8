#pragma once
#include <napi.h>
#include <uv.h>

// InotifyWatch: an inotify descriptor with the caller's own event mask, polled on the libuv loop.
// Node's fs.watch always asks for IN_MODIFY | IN_ATTRIB | IN_CREATE | ..., so a file written in
// place is seen half-written; keepalived's track_file watches only IN_CLOSE_WRITE | IN_DELETE |
// IN_MOVE on the file's directory (trackers/track_file.c), and this lets halo do the same.
//
//   new InotifyWatch(onEvent: (wd: number, mask: number, name: string) => void)
//   .add(path: string, mask: number): number   inotify_add_watch; returns the watch descriptor
//   .close()   stop polling and close the descriptor (releases the event loop)
class InotifyWatch : public Napi::ObjectWrap<InotifyWatch> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit InotifyWatch(const Napi::CallbackInfo& info);
  ~InotifyWatch() override;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain();
  void Stop();
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_event_;
};
