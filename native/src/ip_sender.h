#pragma once
#include <napi.h>

// openIpSender(ifname: string, ifindex: number): number — a send-only IPv4 raw socket
// (IPPROTO_RAW: the caller writes the whole IPv4 header, the kernel fills in the checksum and
// total length; the kernel never queues received packets on it), non-blocking, bound to the
// interface (SO_BINDTODEVICE), multicast out of that interface (IP_MULTICAST_IF) and not looped
// back (IP_MULTICAST_LOOP 0).
//
// The VRRP advert path sends through it synchronously: raw-socket queues each send until the
// next event-loop turn and toggles epoll interest twice per packet.
Napi::Value OpenIpSender(const Napi::CallbackInfo& info);

// sendIpPacket(fd: number, packet: Buffer, destination: string): number — one sendto(2);
// returns the byte count; throws an errno error (EAGAIN when the send buffer is full).
Napi::Value SendIpPacket(const Napi::CallbackInfo& info);

// closeIpSender(fd: number): void
Napi::Value CloseIpSender(const Napi::CallbackInfo& info);
