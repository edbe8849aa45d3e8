#pragma once
#include <napi.h>

// openPacketSocket(): number — a send-only AF_PACKET socket (protocol 0, non-blocking,
// close-on-exec). Kept open for the process's life: closing a packet socket waits for an RCU
// grace period (synchronize_net in packet_release, ~10 ms), far too slow per frame.
Napi::Value OpenPacketSocket(const Napi::CallbackInfo& info);

// sendFrame(fd: number, ifindex: number, frame: Buffer): number — send one complete Ethernet
// frame (destination MAC, source MAC, EtherType, payload) out of interface `ifindex`.
// Returns the bytes sent; throws an errno error value otherwise.
Napi::Value SendFrame(const Napi::CallbackInfo& info);

// closePacketSocket(fd: number): void
Napi::Value ClosePacketSocket(const Napi::CallbackInfo& info);
