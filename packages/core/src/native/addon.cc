// Entry point of the @mm/core addon: each syscall family registers its own functions.
#include "common.h"

namespace mm {
// futex.cc: wait and wake on a word of a shared mapping.
void InitFutex(Napi::Env env, Napi::Object exports);
// records.cc: fixed-size binary records formatted as lines of text.
void InitRecords(Napi::Env env, Napi::Object exports);
}  // namespace mm

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per-environment state: the main thread and each worker get their own.
  env.SetInstanceData(new mm::AddonData());
  mm::InitErrors(env, exports);
  mm::InitMap(env, exports);
  mm::InitShm(env, exports);
  mm::InitIo(env, exports);
  mm::InitFork(env, exports);
  mm::InitLoops(env, exports);
  mm::InitFutex(env, exports);
  mm::InitRing(env, exports);
  mm::InitRecords(env, exports);
  return exports;
}

NODE_API_MODULE(mm_core, Init)
