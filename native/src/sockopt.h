#pragma once
#include <napi.h>

Napi::Value SetCheckerSocketOptions(const Napi::CallbackInfo& info);
