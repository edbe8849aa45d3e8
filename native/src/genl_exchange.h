// A synchronous netlink exchange for a short-lived command (`halo ipvs -L`): one request at a
// time on a private socket, every reply datagram kept, no event-loop turn per message.
#pragma once
#include <napi.h>

Napi::Value NetlinkExchange(const Napi::CallbackInfo& info);
