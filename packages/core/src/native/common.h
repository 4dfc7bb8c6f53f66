// Shared helpers for the mm core addon: errno errors shaped like Node's fs errors,
// argument readers, and the mapping handle every syscall family works on.
#pragma once
#include <napi.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

namespace mm {

// Throws a JS Error { code, errno, syscall, path? } with message "path: Description".
void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path = "");
// Throws a JS Error with a given code (e.g. ERR_MM_UNMAPPED) and message.
void ThrowCode(Napi::Env env, const char* code, const std::string& message);
// Builds (without throwing) the errno error object.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path = "");

// Reads a non-negative integral JS number no larger than 2^53-1. Returns false (and throws) if invalid.
bool ReadSize(const Napi::Value& v, const char* what, uint64_t* out);
bool ReadInt(const Napi::Value& v, const char* what, int64_t* out);
// args[i] as a string if it is one, else "" (optional names for error messages).
std::string OptString(const Napi::CallbackInfo& info, size_t i);

// The state of one mapping, shared by the ArrayBuffer finalizer and the JS handle so
// that an explicit unmap and a later GC finalizer can never both call munmap.
struct MapState {
  uint8_t* base = nullptr;  // page-aligned address returned by mmap
  size_t mapLength = 0;     // bytes covered by mmap (including a guard page)
  size_t delta = 0;         // offset of the caller's first byte from base
  size_t length = 0;        // bytes the caller asked for
  bool mapped = false;      // true while base..base+mapLength is ours
  uint8_t* data() const { return base + delta; }
};

// JS handle around MapState (class "MapHandle" on the addon).
class MapHandle : public Napi::ObjectWrap<MapHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::FunctionReference* constructor;
  explicit MapHandle(const Napi::CallbackInfo& info);
  std::shared_ptr<MapState> state;

  // Unwraps args[i] as a live MapHandle, throwing if it is not one or is unmapped.
  static MapState* Live(const Napi::CallbackInfo& info, size_t i);
  MapState* Ready(Napi::Env env);

 private:
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value Sync(const Napi::CallbackInfo& info);
  Napi::Value Protect(const Napi::CallbackInfo& info);
  Napi::Value Advise(const Napi::CallbackInfo& info);
  Napi::Value Lock(const Napi::CallbackInfo& info);
  Napi::Value Unlock(const Napi::CallbackInfo& info);
  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value IsMapped(const Napi::CallbackInfo& info);
};

// fork.cc helpers for other families that fork (see there): fork with every signal blocked,
// reset a fresh child's signal handlers, and write(2) all of a buffer from a child.
pid_t ForkAllBlocked();
void ChildResetSignals();
bool ChildWriteAll(int fd, const uint8_t* p, size_t len);

void InitMap(Napi::Env env, Napi::Object exports);
void InitShm(Napi::Env env, Napi::Object exports);
void InitIo(Napi::Env env, Napi::Object exports);
void InitFork(Napi::Env env, Napi::Object exports);
void InitLoops(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitErrors(Napi::Env env, Napi::Object exports);

}  // namespace mm
