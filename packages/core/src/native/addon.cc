// Entry point of the @mm/core addon: each syscall family registers its own functions.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mm::InitErrors(env, exports);
  mm::InitMap(env, exports);
  mm::InitShm(env, exports);
  mm::InitIo(env, exports);
  mm::InitFork(env, exports);
  mm::InitLoops(env, exports);
  mm::InitRing(env, exports);
  return exports;
}

NODE_API_MODULE(mm_core, Init)
