#pragma once
#include <napi.h>

Napi::Value OpenDatagramSocket(const Napi::CallbackInfo& info);
