// Hot loops over shared memory, run natively so a loop of 10^9 steps costs what C costs.
// JS calls them in chunks, between which it can draw progress and notice Ctrl-C:
// incrementLoop (a counter, racy or atomic) and addUntilStop (adds a step to a word until
// a stop word is set).
#include "common.h"
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#include <cstdint>
#include <string>

namespace mm {

template <typename T>
static T* Slot(const Napi::CallbackInfo& info, MapState* s, size_t argIndex, const char* what) {
  uint64_t off;
  if (!ReadSize(info[argIndex], what, &off)) return nullptr;
  if (off > s->length || sizeof(T) > s->length - off) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", std::string(what) + " lies outside the mapping");
    return nullptr;
  }
  uint8_t* p = s->data() + off;
  if (reinterpret_cast<uintptr_t>(p) % alignof(T) != 0) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", std::string(what) + " is not naturally aligned");
    return nullptr;
  }
  return reinterpret_cast<T*>(p);
}

// True if the aligned 32-bit word at p can be read and written right now, asked of the kernel
// without touching it from user space: FUTEX_WAKE_OP atomically adds 0 to the word (so its
// value never changes, even with other processes incrementing it) and wakes no one; a page
// that is read-only, PROT_NONE or gone (a truncated file) answers EFAULT instead of a SIGSEGV
// or SIGBUS in this process. Costs one system call per native chunk.
static bool ReadWritable(void* p) {
  uint32_t* w = static_cast<uint32_t*>(p);
  long r = syscall(SYS_futex, w, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, 0, w,
                   FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
  return r >= 0 || errno != EFAULT;
}

static bool CheckAccess(Napi::Env env, void* p, const char* what) {
  if (ReadWritable(p)) return true;
  ThrowCode(env, "ERR_MM_ACCESS",
            std::string("the mapping cannot be read and written at ") + what +
                " (its protection is not rw, or the file behind it shrank)");
  return false;
}

// The lab's racy increment: a separate load and store through volatile, so the compiler
// can neither fuse iterations nor turn them into one locked instruction.
template <typename T, typename U>
static T RacyIncrement(T* slot, uint64_t count) {
  volatile T* p = slot;
  T v = 0;
  for (uint64_t i = 0; i < count; i++) {
    v = static_cast<T>(static_cast<U>(*p) + 1u);
    *p = v;
  }
  return count ? v : *p;
}

template <typename T>
static T AtomicIncrement(T* slot, uint64_t count) {
  T v = 0;
  for (uint64_t i = 0; i < count; i++) v = __atomic_add_fetch(slot, 1, __ATOMIC_SEQ_CST);
  return count ? v : __atomic_load_n(slot, __ATOMIC_SEQ_CST);
}

// incrementLoop(handle, offset, width 32|64, atomic, count) -> the last value this loop
// stored (or saw, when count is 0): a number for width 32, a BigInt for width 64.
static Napi::Value IncrementLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int64_t width;
  uint64_t count;
  if (!ReadInt(info[2], "width", &width) || !ReadSize(info[4], "count", &count)) return env.Undefined();
  bool atomic = info[3].ToBoolean();
  if (width == 32) {
    int32_t* p = Slot<int32_t>(info, s, 1, "offset");
    if (!p || !CheckAccess(env, p, "offset")) return env.Undefined();
    int32_t v = atomic ? AtomicIncrement(p, count) : RacyIncrement<int32_t, uint32_t>(p, count);
    return Napi::Number::New(env, v);
  }
  if (width == 64) {
    int64_t* p = Slot<int64_t>(info, s, 1, "offset");
    if (!p || !CheckAccess(env, p, "offset")) return env.Undefined();
    int64_t v = atomic ? AtomicIncrement(p, count) : RacyIncrement<int64_t, uint64_t>(p, count);
    return Napi::BigInt::New(env, v);
  }
  ThrowCode(env, "ERR_OUT_OF_RANGE", "width must be 32 or 64");
  return env.Undefined();
}

// addUntilStop(handle, offset, stopOffset, step, atomic, max) -> steps done.
// Adds `step` to the int32 at offset up to `max` times, racy (load then store) or atomic,
// and stops early once the int32 at stopOffset is non-zero. The stop word is read with
// acquire semantics before every step, so it cannot be hoisted out of the loop.
static Napi::Value AddUntilStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int32_t* pos = Slot<int32_t>(info, s, 1, "offset");
  if (!pos) return env.Undefined();
  int32_t* stop = Slot<int32_t>(info, s, 2, "stopOffset");
  if (!stop) return env.Undefined();
  // One check covers both words when they share a page (4096 bytes at least; protections
  // are per page).
  bool samePage = reinterpret_cast<uintptr_t>(pos) / 4096 == reinterpret_cast<uintptr_t>(stop) / 4096;
  if (!CheckAccess(env, pos, "offset") || (!samePage && !CheckAccess(env, stop, "stopOffset")))
    return env.Undefined();
  int64_t step;
  uint64_t max;
  if (!ReadInt(info[3], "step", &step) || !ReadSize(info[5], "max", &max)) return env.Undefined();
  bool atomic = info[4].ToBoolean();
  int32_t d = static_cast<int32_t>(step);
  uint64_t done = 0;
  if (atomic) {
    for (; done < max; done++) {
      if (__atomic_load_n(stop, __ATOMIC_ACQUIRE)) break;
      __atomic_add_fetch(pos, d, __ATOMIC_SEQ_CST);
    }
  } else {
    volatile int32_t* p = pos;
    for (; done < max; done++) {
      if (__atomic_load_n(stop, __ATOMIC_ACQUIRE)) break;
      *p = static_cast<int32_t>(static_cast<uint32_t>(*p) + static_cast<uint32_t>(d));
    }
  }
  return Napi::Number::New(env, static_cast<double>(done));
}

void InitLoops(Napi::Env env, Napi::Object exports) {
  exports.Set("incrementLoop", Napi::Function::New(env, IncrementLoop, "incrementLoop"));
  exports.Set("addUntilStop", Napi::Function::New(env, AddUntilStop, "addUntilStop"));
}

}  // namespace mm
