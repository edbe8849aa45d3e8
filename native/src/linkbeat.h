#pragma once
#include <napi.h>

Napi::Value LinkbeatProbe(const Napi::CallbackInfo& info);
