// halo_native: what raw-socket and netlink cannot do, one concept per exported function.
#include <napi.h>

#include "connect_prober.h"
#include "deadline_timer.h"
#include "dgram_socket.h"
#include "exec.h"
#include "genl_exchange.h"
#include "inotify_watch.h"
#include "ip_sender.h"
#include "linkbeat.h"
#include "netlink_events.h"
#include "netns.h"
#include "packet.h"
#include "sockopt.h"
#include "vrrp6_socket.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openPacketSocket", Napi::Function::New(env, OpenPacketSocket, "openPacketSocket"));
  exports.Set("sendFrame", Napi::Function::New(env, SendFrame, "sendFrame"));
  exports.Set("closePacketSocket", Napi::Function::New(env, ClosePacketSocket, "closePacketSocket"));
  exports.Set("NetlinkEvents", NetlinkEvents::Define(env));
  exports.Set("openIpSender", Napi::Function::New(env, OpenIpSender, "openIpSender"));
  exports.Set("sendIpPacket", Napi::Function::New(env, SendIpPacket, "sendIpPacket"));
  exports.Set("closeIpSender", Napi::Function::New(env, CloseIpSender, "closeIpSender"));
  exports.Set("DeadlineTimer", DeadlineTimer::Define(env));
  exports.Set("ConnectProber", ConnectProber::Define(env));
  exports.Set("openCheckerSocket", Napi::Function::New(env, OpenCheckerSocket, "openCheckerSocket"));
  exports.Set("openDatagramSocket", Napi::Function::New(env, OpenDatagramSocket, "openDatagramSocket"));
  exports.Set("Vrrp6Socket", Vrrp6Socket::Define(env));
  exports.Set("exec", Napi::Function::New(env, Exec, "exec"));
  exports.Set("InotifyWatch", InotifyWatch::Define(env));
  exports.Set("netlinkExchange", Napi::Function::New(env, NetlinkExchange, "netlinkExchange"));
  exports.Set("linkbeatProbe", Napi::Function::New(env, LinkbeatProbe, "linkbeatProbe"));
  exports.Set("withNetns", Napi::Function::New(env, WithNetns, "withNetns"));
  return exports;
}

}  // namespace

NODE_API_MODULE(halo_native, Init)
