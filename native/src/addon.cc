// halo_native: what raw-socket and netlink cannot do, one concept per exported function.
#include <napi.h>

#include "exec.h"
#include "netlink_events.h"
#include "packet.h"
#include "sockopt.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openPacketSocket", Napi::Function::New(env, OpenPacketSocket, "openPacketSocket"));
  exports.Set("sendFrame", Napi::Function::New(env, SendFrame, "sendFrame"));
  exports.Set("closePacketSocket", Napi::Function::New(env, ClosePacketSocket, "closePacketSocket"));
  exports.Set("NetlinkEvents", NetlinkEvents::Define(env));
  exports.Set("setCheckerSocketOptions", Napi::Function::New(env, SetCheckerSocketOptions, "setCheckerSocketOptions"));
  exports.Set("exec", Napi::Function::New(env, Exec, "exec"));
  return exports;
}

}  // namespace

NODE_API_MODULE(halo_native, Init)
