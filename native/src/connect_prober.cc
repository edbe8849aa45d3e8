#include "connect_prober.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "errno_error.h"
#include "sockopt.h"

namespace {

constexpr uint64_t kTimerKey = UINT64_MAX;
constexpr uint64_t kWakeKey = UINT64_MAX - 1;
constexpr uint64_t kMaxId = (1ULL << 53);
constexpr int kConnected = 1, kData = 2, kEnd = 3, kError = 4, kTimeout = 5;
constexpr size_t kFields = 4;
// Reads per probe and pass are bounded (a server streaming without end cannot hold the pass);
// what is left is read on the next pass.
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kReadPerPass = 256 * 1024;
constexpr size_t kMinReadRoom = 4096;
constexpr int kMaxEpollRounds = 8;

double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

Napi::Function ConnectProber::Define(Napi::Env env) {
  return DefineClass(env, "ConnectProber",
                     {InstanceMethod("probe", &ConnectProber::Probe_), InstanceMethod("cancel", &ConnectProber::Cancel),
                      InstanceMethod("close", &ConnectProber::Close), InstanceMethod("inFlight", &ConnectProber::InFlight),
                      InstanceMethod("timeoutsPending", &ConnectProber::TimeoutsPending)});
}

ConnectProber::ConnectProber(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ConnectProber>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsFunction() || !info[1].IsTypedArray() || !info[2].IsBuffer() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "new ConnectProber(onEvents: function, records: Float64Array, data: Buffer)");
  }
  auto records = info[1].As<Napi::Float64Array>();
  auto data = info[2].As<Napi::Buffer<uint8_t>>();
  records_ = records.Data();
  recordCap_ = records.ElementLength() / kFields;
  data_ = data.Data();
  dataCap_ = data.Length();
  if (recordCap_ < 8 || dataCap_ < kReadChunk) throw Napi::RangeError::New(env, "ConnectProber: records must hold 8 events, data 64 KiB");
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) throw ErrnoError(env, "epoll_create1", errno, "connect prober");
  timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (timer_ < 0 || wake_ < 0) {
    const int err = errno;
    Stop();
    throw ErrnoError(env, timer_ < 0 ? "timerfd_create" : "eventfd", err, "connect prober");
  }
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.u64 = kTimerKey;
  epoll_ctl(ep_, EPOLL_CTL_ADD, timer_, &ev);
  ev.data.u64 = kWakeKey;
  epoll_ctl(ep_, EPOLL_CTL_ADD, wake_, &ev);
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Stop();
    throw Napi::Error::New(env, "ConnectProber: no libuv loop");
  }
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, ep_);
  if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, OnPoll);
  if (rc != 0) {
    Stop();
    throw Napi::Error::New(env, std::string("ConnectProber: uv_poll: ") + uv_strerror(rc));
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));  // held only while probes are in flight
  onEvents_ = Napi::Persistent(info[0].As<Napi::Function>());
  recordsRef_ = Napi::Persistent(records.As<Napi::Object>());
  dataRef_ = Napi::Persistent(data.As<Napi::Object>());
  context_ = new Napi::AsyncContext(env, "halo.ConnectProber");
}

ConnectProber::~ConnectProber() { Stop(); }

// probe(id, ip, port, bindto, bindPort, bindIf, fwmark, stepMs, wholeMs, request)
Napi::Value ConnectProber::Probe_(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() || !info[4].IsNumber() ||
      !info[6].IsNumber() || !info[7].IsNumber() || !info[8].IsNumber()) {
    throw Napi::TypeError::New(env, "probe(id, ip, port, bindto|null, bindPort, bindIf|null, fwmark, stepMs, wholeMs, request|null)");
  }
  if (ep_ < 0) throw Napi::Error::New(env, "ConnectProber: closed");
  const double idNum = info[0].As<Napi::Number>().DoubleValue();
  if (!(idNum >= 1) || idNum >= static_cast<double>(kMaxId)) throw Napi::RangeError::New(env, "probe: id must be an integer in [1, 2^53)");
  const uint64_t id = static_cast<uint64_t>(idNum);
  if (probes_.count(id) != 0) throw Napi::Error::New(env, "probe: id " + std::to_string(id) + " is in flight");
  const std::string ip = info[1].As<Napi::String>().Utf8Value();
  const int port = info[2].As<Napi::Number>().Int32Value();
  SocketAddress dst;
  if (!ParseSocketAddress(ip, port, &dst)) throw Napi::TypeError::New(env, "probe: invalid address " + ip);
  const int bindPort = info[4].As<Napi::Number>().Int32Value();
  const double fwmark = info[6].As<Napi::Number>().DoubleValue();

  const int fd = CheckerSocket(env, dst.family, info[3], bindPort, info[5], fwmark);
  auto fail = [fd](Napi::Error e) {
    close(fd);
    return e;
  };

  Probe p;
  p.fd = fd;
  p.start = p.last = NowMs();
  p.stepMs = info[7].As<Napi::Number>().DoubleValue();
  p.wholeMs = info[8].As<Napi::Number>().DoubleValue();
  if (info[9].IsBuffer()) {
    auto req = info[9].As<Napi::Buffer<char>>();
    p.request.assign(req.Data(), req.Length());
    p.wantsRead = true;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst.ss), dst.len) < 0 && errno != EINPROGRESS) {
    // refused or unreachable at once: reported on the next pass, as every other result
    failedAtOnce_.emplace_back(id, errno);
    close(fd);
    p.fd = -1;
    probes_.emplace(id, std::move(p));
    Wake();
    UpdateRef();
    return env.Undefined();
  }
  struct epoll_event ev = {};
  ev.events = EPOLLOUT | EPOLLET | (p.wantsRead ? (EPOLLIN | EPOLLRDHUP) : 0);
  ev.data.u64 = id;
  if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) throw fail(ErrnoError(env, "epoll_ctl", errno, "connect prober"));
  const double due = p.due();
  probes_.emplace(id, std::move(p));
  heap_.push({due, id});
  if (armedAt_ < 0 || due < armedAt_) ArmTimer();
  UpdateRef();
  return env.Undefined();
}

Napi::Value ConnectProber::Cancel(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1 && info[0].IsNumber()) {
    const double idNum = info[0].As<Napi::Number>().DoubleValue();
    if (idNum >= 1 && idNum < static_cast<double>(kMaxId)) End(static_cast<uint64_t>(idNum));
    if (!inPass_) {
      ArmTimer();
      UpdateRef();
    }
  }
  return info.Env().Undefined();
}

Napi::Value ConnectProber::InFlight(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(probes_.size()));
}

Napi::Value ConnectProber::TimeoutsPending(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(heap_.size()));
}

Napi::Value ConnectProber::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}

void ConnectProber::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  auto* self = static_cast<ConnectProber*>(handle->data);
  if (self == nullptr || self->ep_ < 0 || self->inPass_) return;
  Napi::HandleScope scope(self->Env());
  self->Pass();
}

bool ConnectProber::Room(size_t records, size_t bytes) const {
  return recordCount_ + records <= recordCap_ && dataLen_ + bytes <= dataCap_;
}

// One pass: what failed at once, reads left from the last pass, every ready socket, and only
// then the timeouts that are due (each checked against its socket first); one callback to
// JavaScript with all of it (more only when the buffers fill).
void ConnectProber::Pass() {
  inPass_ = true;
  if (!failedAtOnce_.empty()) {
    std::vector<std::pair<uint64_t, int>> failed;
    failed.swap(failedAtOnce_);
    for (const auto& f : failed) {
      if (!Room(1, 0)) Flush();
      if (probes_.count(f.first) == 0) continue;
      Emit(f.first, kError, f.second, 0);
      End(f.first);
    }
  }
  if (!again_.empty()) {
    std::vector<uint64_t> again;
    again.swap(again_);
    for (uint64_t key : again) {
      if (!Room(2, kMinReadRoom)) Flush();
      auto it = probes_.find(key);
      if (it == probes_.end()) continue;
      bool progressed = false;
      Read(key, it->second, &progressed);
    }
  }
  struct epoll_event evs[256];
  for (int round = 0; round < kMaxEpollRounds && ep_ >= 0; round++) {
    const int n = epoll_wait(ep_, evs, 256, 0);
    if (n <= 0) break;
    for (int i = 0; i < n && ep_ >= 0; i++) {
      const uint64_t key = evs[i].data.u64;
      if (key == kTimerKey || key == kWakeKey) {
        uint64_t v;
        while (read(key == kTimerKey ? timer_ : wake_, &v, sizeof v) < 0 && errno == EINTR) {
        }
        if (key == kTimerKey) armedAt_ = -1;
        continue;
      }
      if (!Room(4, kMinReadRoom)) Flush();
      OnSocket(key, evs[i].events);
    }
    if (n < 256) break;
  }
  if (ep_ >= 0) Expire(NowMs());
  Flush();
  inPass_ = false;
  if (ep_ < 0) return;
  if (!again_.empty() || !failedAtOnce_.empty()) Wake();
  ArmTimer();
  UpdateRef();
}

void ConnectProber::OnSocket(uint64_t key, uint32_t events) {
  auto it = probes_.find(key);
  if (it == probes_.end()) return;  // ended earlier in this pass, or cancelled
  Probe& p = it->second;
  if (!p.connected) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = 0;
    // Writable without an error or hang-up is a completed connect (tcp_poll reports no
    // EPOLLOUT in SYN_SENT, and EPOLLERR whenever sk_err is set): SO_ERROR is read only when
    // the connect may have failed, one syscall less per successful check.
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
      socklen_t len = sizeof err;
      if (getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err == 0 && (events & EPOLLOUT) == 0) err = ECONNRESET;
    }
    if (err != 0) {
      Emit(key, kError, err, 0);
      End(key);
      return;
    }
    Connected(key, p);
    it = probes_.find(key);
    if (it == probes_.end()) return;
  } else if ((events & EPOLLOUT) != 0 && p.written < p.request.size()) {
    Write(key, p);
    it = probes_.find(key);
    if (it == probes_.end()) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    bool progressed = false;
    Read(key, it->second, &progressed);
  }
}

void ConnectProber::Connected(uint64_t key, Probe& p) {
  p.connected = true;
  p.last = NowMs();
  Emit(key, kConnected, 0, 0);
  if (!p.wantsRead) {
    End(key);  // TCP_CHECK: connected is the verdict; closed at once, no data sent (as keepalived)
    return;
  }
  Write(key, p);
}

void ConnectProber::Write(uint64_t key, Probe& p) {
  while (p.written < p.request.size()) {
    const ssize_t n = send(p.fd, p.request.data() + p.written, p.request.size() - p.written, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      p.written += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the rest on the next EPOLLOUT edge
    Emit(key, kError, errno, 2);
    End(key);
    return;
  }
}

bool ConnectProber::Read(uint64_t key, Probe& p, bool* progressed) {
  size_t budget = kReadPerPass;
  for (;;) {
    if (budget == 0 || !Room(2, kMinReadRoom)) {
      again_.push_back(key);  // edge-triggered: nobody would tell us again
      return true;
    }
    size_t want = dataCap_ - dataLen_;
    if (want > kReadChunk) want = kReadChunk;
    if (want > budget) want = budget;
    const ssize_t n = read(p.fd, data_ + dataLen_, want);
    if (n > 0) {
      Emit(key, kData, static_cast<double>(dataLen_), static_cast<double>(n));
      dataLen_ += static_cast<size_t>(n);
      budget -= static_cast<size_t>(n);
      p.last = NowMs();
      *progressed = true;
      continue;
    }
    if (n == 0) {
      Emit(key, kEnd, 0, 0);
      End(key);
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    Emit(key, kError, errno, 1);
    End(key);
    return false;
  }
}

void ConnectProber::Expire(double now) {
  while (!heap_.empty() && heap_.top().at <= now && ep_ >= 0) {
    const Due d = heap_.top();
    heap_.pop();
    if (!Room(4, kMinReadRoom)) Flush();
    auto it = probes_.find(d.key);
    if (it == probes_.end() || it->second.fd < 0) continue;
    const double due = it->second.due();
    if (due > now) {
      heap_.push({due, d.key});  // activity since: due later
      continue;
    }
    // The socket's real state decides first: a connect or a response that completed while the
    // process was stalled is a result, not a timeout.
    struct pollfd pfd = {it->second.fd, static_cast<short>(POLLOUT | POLLIN | POLLRDHUP), 0};
    if (poll(&pfd, 1, 0) == 1) {
      uint32_t ev = 0;
      if (pfd.revents & POLLOUT) ev |= EPOLLOUT;
      if (pfd.revents & POLLIN) ev |= EPOLLIN;
      if (pfd.revents & POLLRDHUP) ev |= EPOLLRDHUP;
      if (pfd.revents & POLLERR) ev |= EPOLLERR;
      if (pfd.revents & POLLHUP) ev |= EPOLLHUP;
      // a connected probe is always writable: only a pending write is woken by POLLOUT
      OnSocket(d.key, ev);
      it = probes_.find(d.key);
      if (it == probes_.end()) continue;
      const double moved = it->second.due();
      if (moved > now) {
        heap_.push({moved, d.key});
        continue;
      }
    }
    Emit(d.key, kTimeout, it->second.connected ? 1 : 0, now - due);
    End(d.key);
  }
}

void ConnectProber::End(uint64_t key) {
  auto it = probes_.find(key);
  if (it == probes_.end()) return;
  if (it->second.fd >= 0) close(it->second.fd);  // leaves the epoll set with it
  probes_.erase(it);
}

void ConnectProber::Emit(uint64_t id, int type, double a, double b) {
  // callers make room first (Room/Flush at points where no probe reference is held)
  if (recordCount_ >= recordCap_) abort();
  double* r = records_ + recordCount_ * kFields;
  r[0] = static_cast<double>(id);
  r[1] = type;
  r[2] = a;
  r[3] = b;
  recordCount_++;
}

void ConnectProber::Flush() {
  if (recordCount_ == 0) return;
  if (onEvents_.IsEmpty()) {  // closed from a callback: nobody to tell
    recordCount_ = 0;
    dataLen_ = 0;
    return;
  }
  const size_t count = recordCount_;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  try {
    // MakeCallback: the callback scope runs promise continuations and nextTicks afterwards
    onEvents_.MakeCallback(env.Global(), {Napi::Number::New(env, static_cast<double>(count))}, *context_);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
  recordCount_ = 0;
  dataLen_ = 0;
}

void ConnectProber::ArmTimer() {
  if (timer_ < 0) return;
  // Entries of probes that have ended leave the heap here, not at their due time: nearly every
  // check ends long before its timeout, and the timer would otherwise wake the loop for each.
  while (!heap_.empty()) {
    auto it = probes_.find(heap_.top().key);
    if (it != probes_.end() && it->second.fd >= 0) break;
    heap_.pop();
  }
  // Nothing due: a timer still armed is left to fire (one empty pass) rather than disarmed,
  // as the next probe would arm it again: at a steady load the heap empties between passes.
  if (heap_.empty()) return;
  const double at = heap_.top().at;
  if (armedAt_ >= 0 && armedAt_ <= at) return;  // an earlier wake-up is set: the pass re-arms
  struct itimerspec its = {};
  double ns = at * 1e6;
  if (ns < 1) ns = 1;
  its.it_value.tv_sec = static_cast<time_t>(ns / 1e9);
  its.it_value.tv_nsec = static_cast<long>(ns - static_cast<double>(its.it_value.tv_sec) * 1e9);
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  timerfd_settime(timer_, TFD_TIMER_ABSTIME, &its, nullptr);
  armedAt_ = at;
}

void ConnectProber::Wake() {
  if (wake_ < 0) return;
  const uint64_t one = 1;
  while (write(wake_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void ConnectProber::UpdateRef() {
  if (poll_ == nullptr) return;
  const bool want = !probes_.empty();
  if (want == referenced_) return;
  if (want)
    uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  else
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  referenced_ = want;
}

void ConnectProber::Stop() {
  for (auto& kv : probes_)
    if (kv.second.fd >= 0) close(kv.second.fd);
  probes_.clear();
  failedAtOnce_.clear();
  again_.clear();
  heap_ = decltype(heap_)();
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  for (int* fd : {&ep_, &timer_, &wake_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  if (context_ != nullptr) {
    delete context_;
    context_ = nullptr;
  }
  if (!onEvents_.IsEmpty()) onEvents_.Reset();
  if (!recordsRef_.IsEmpty()) recordsRef_.Reset();
  if (!dataRef_.IsEmpty()) dataRef_.Reset();
}
