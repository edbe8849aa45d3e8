#pragma once
#include <napi.h>

Napi::Value WithNetns(const Napi::CallbackInfo& info);
