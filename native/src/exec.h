#pragma once
#include <napi.h>

Napi::Value Exec(const Napi::CallbackInfo& info);
