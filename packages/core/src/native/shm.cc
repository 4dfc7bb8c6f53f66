// POSIX shared memory: shm_open and shm_unlink. Names arrive validated by the TS layer.
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <cerrno>
#include <climits>
#include <string>

namespace mm {

// The name as messages show it: without its leading "/" (the name may be anything here,
// even empty, so no substr that could throw).
static std::string Shown(const std::string& name) {
  return !name.empty() && name[0] == '/' ? name.substr(1) : name;
}

// shmOpen(name, oflag, mode) -> fd. name carries its leading "/".
static Napi::Value ShmOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "name must be a string");
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int64_t oflag;
  unsigned mode;
  if (!ReadInt(info[1], "oflag", &oflag) || !ReadMode(info[2], "mode", &mode)) return env.Undefined();
  if (oflag < INT_MIN || oflag > INT_MAX) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "oflag must be open(2) flags");
    return env.Undefined();
  }
  int fd = shm_open(name.c_str(), static_cast<int>(oflag) | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    ThrowErrno(env, errno, "shm_open", Shown(name));
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// shmUnlink(name)
static Napi::Value ShmUnlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "name must be a string");
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (shm_unlink(name.c_str()) != 0) ThrowErrno(env, errno, "shm_unlink", Shown(name));
  return env.Undefined();
}

void InitShm(Napi::Env env, Napi::Object exports) {
  exports.Set("shmOpen", Napi::Function::New(env, ShmOpen, "shmOpen"));
  exports.Set("shmUnlink", Napi::Function::New(env, ShmUnlink, "shmUnlink"));
}

}  // namespace mm
