#pragma once
#include <napi.h>
#include <uv.h>

#include <string>
#include <vector>

// Vrrp6Socket: the VRRP transport over IPv6 (RFC 9568 §5.1.2), one per interface: a raw
// AF_INET6 socket for protocol 112 read with recvmsg() and its ancillary data. An IPv6 raw
// socket does not deliver the IPv6 header, so the hop limit (which must be 255, §7.1) and the
// destination address (the group, or unicast) only arrive as IPV6_HOPLIMIT / IPV6_PKTINFO
// control messages — which raw-socket's recvfrom() cannot return. Sends go out with sendmsg()
// and an IPV6_PKTINFO naming the source address (the interface's link-local address), so the
// checksum the caller computed over the pseudo-header matches what the kernel puts on the wire.
// The kernel does not checksum (no IPV6_CHECKSUM): the caller computes and verifies it, so a bad
// checksum is counted instead of vanishing in the kernel.
//
//   new Vrrp6Socket(ifname: string, ifindex: number, group: Buffer(16) | null,
//                   onMessage: (error: Error | null, data?: Buffer, source?: Buffer(16),
//                               hopLimit?: number, destination?: Buffer(16) | null) => void)
//   .send(data: Buffer, destination: Buffer(16), source: Buffer(16) | null, hopLimit: number) → bytes
//   .close()   leave the group, stop polling, close (releases the event loop)
class Vrrp6Socket : public Napi::ObjectWrap<Vrrp6Socket> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Vrrp6Socket(const Napi::CallbackInfo& info);
  ~Vrrp6Socket() override;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain();
  void Report(const std::vector<napi_value>& args);
  void Stop();
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int fd_ = -1;
  int ifindex_ = 0;
  bool joined_ = false;
  unsigned char group_[16] = {0};
  std::string ifname_;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_message_;
};
