// Errors are values with a place: every failed syscall becomes a JS Error carrying the
// syscall name and the errno name (`sendto: ENETDOWN (Network is down)`), with `.code`,
// `.errno` and `.syscall` set the way Node's own ErrnoException does.
#pragma once
#include <napi.h>
#include <string>

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err, const std::string& context);
