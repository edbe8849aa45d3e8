// ConnectProber: the checkers' TCP connections (TCP_CHECK, plain HTTP_GET) in C++, many at a time,
// on one epoll set watched by Node's libuv loop; results reach JavaScript in batches through one
// callback (src/check/connect-prober.ts). Per check that is socket + connect + close (and for
// HTTP_GET a send and reads) with no JavaScript handle, request or stream object.
//
//   new ConnectProber(onEvents: (count) => void, records: Float64Array, data: Buffer)
//   .probe(id, ip, port, bindto|null, bindPort (-1 none), bindIf|null, fwmark (-1 none),
//          stepMs, wholeMs, request: Buffer|null)
//       starts a non-blocking connect (bind_if / fwmark set and bindto:bind_port bound first;
//       a bind or setsockopt error throws, named). With a request: sends it once connected and
//       reads to EOF. Without: the probe ends at the connect.
//   .cancel(id)   closes a probe; nothing more is reported for it
//   .close()      closes every probe and the epoll set
//   .timeoutsPending()  entries in the timeout heap (those of ended probes are dropped when they
//                 reach its top, so a prober whose probes all ended holds none)
//
// Each event is one record of 4 doubles in `records`: [id, type, a, b]
//   1 CONNECTED                        (without a request the probe ends here)
//   2 DATA     a = offset in `data`, b = length (valid only during the callback)
//   3 END      EOF from the peer (the probe ends)
//   4 ERROR    a = errno, b = 0 connect / 1 read / 2 write (the probe ends)
//   5 TIMEOUT  a = 0 before connect / 1 after, b = how late (ms) it was seen (the probe ends)
// A timeout is due `stepMs` after the last activity (start, connect, a read), at most `wholeMs`
// after the start. When it is due, the socket's real state is read first (a connect or a read
// that completed while the process was stalled wins over the timeout), and its lateness is
// reported so the caller can refuse a verdict made by its own stall.
#pragma once
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

class ConnectProber : public Napi::ObjectWrap<ConnectProber> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ConnectProber(const Napi::CallbackInfo& info);
  ~ConnectProber() override;

 private:
  struct Probe {
    int fd = -1;
    bool connected = false;
    bool wantsRead = false;  // has a request: send it, then read to EOF
    double start = 0, last = 0, stepMs = 0, wholeMs = 0;
    std::string request;
    size_t written = 0;
    double due() const {
      const double step = last + stepMs, whole = start + wholeMs;
      return step < whole ? step : whole;
    }
  };
  struct Due {
    double at;
    uint64_t key;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  static void OnPoll(uv_poll_t* handle, int status, int events);
  Napi::Value Probe_(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value InFlight(const Napi::CallbackInfo& info);
  Napi::Value TimeoutsPending(const Napi::CallbackInfo& info);

  void Pass();
  void OnSocket(uint64_t key, uint32_t events);
  bool Room(size_t records, size_t bytes) const;
  void Connected(uint64_t key, Probe& p);
  void Write(uint64_t key, Probe& p);
  // Reads what is there; false when the probe ended (EOF or error).
  bool Read(uint64_t key, Probe& p, bool* progressed);
  void Expire(double now);
  void End(uint64_t key);
  void Emit(uint64_t id, int type, double a, double b);
  void Flush();
  void ArmTimer();
  void Wake();
  void UpdateRef();
  void Stop();

  int ep_ = -1, timer_ = -1, wake_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool referenced_ = false;
  double armedAt_ = -1;
  // by the caller's id (a positive integer below 2^53, never reused while the prober lives)
  std::unordered_map<uint64_t, Probe> probes_;
  // connects that failed at once, reported on the next pass (never from inside probe())
  std::vector<std::pair<uint64_t, int>> failedAtOnce_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> heap_;
  std::vector<uint64_t> again_;  // readable probes left for the next pass (read budget spent)
  Napi::FunctionReference onEvents_;
  Napi::ObjectReference recordsRef_, dataRef_;
  double* records_ = nullptr;
  size_t recordCap_ = 0, recordCount_ = 0;
  uint8_t* data_ = nullptr;
  size_t dataCap_ = 0, dataLen_ = 0;
  bool inPass_ = false;
  Napi::AsyncContext* context_ = nullptr;
};
