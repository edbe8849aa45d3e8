#pragma once
#include <napi.h>

// sendFrame(ifindex: number, frame: Buffer): number — send one complete Ethernet frame
// (destination MAC, source MAC, EtherType, payload) out of interface `ifindex` through an
// AF_PACKET socket. Returns the bytes sent; throws an errno error value otherwise.
Napi::Value SendFrame(const Napi::CallbackInfo& info);
