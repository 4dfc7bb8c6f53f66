// mmap family: file and anonymous mappings, msync, mprotect, madvise, mlock, munmap.
#include "common.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

namespace mm {

static size_t PageSize() {
  static size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

// Stops fault handling for a mapping that is about to go, keeping what JavaScript may still
// ask afterwards (the fault count, and the file's size if pages vanished).
static void Retire(MapState* s) {
  if (s->slot != nullptr) {
    s->faults += UnregisterFaultRange(s->slot);
    s->slot = nullptr;
  }
  if (s->fileFd >= 0) {
    struct stat st;
    if (s->faults != 0 && fstat(s->fileFd, &st) == 0) s->sizeAtUnmap = static_cast<int64_t>(st.st_size);
    close(s->fileFd);
    s->fileFd = -1;
  }
}

// Called when the ArrayBuffer's memory is released: when V8 collects it, and on Node 20
// also soon after unmap() detached it. Frees the mapping, or the PROT_NONE reservation
// unmap() left in its place, exactly once.
static void FinalizeBuffer(Napi::Env, void*, std::shared_ptr<MapState>* hint) {
  MapState* s = hint->get();
  if (s->mapped) {
    Retire(s);
    munmap(s->base, s->mapLength);
    s->mapped = false;
  } else if (s->reserved) {
    munmap(s->base, s->mapLength);
    s->reserved = false;
  }
  delete hint;
}

MapHandle::MapHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MapHandle>(info) {
  state = std::make_shared<MapState>();
}

Napi::Function MapHandle::Define(Napi::Env env) {
  Napi::Function f = DefineClass(env, "MapHandle", {
    InstanceMethod("unmap", &MapHandle::Unmap),
    InstanceMethod("sync", &MapHandle::Sync),
    InstanceMethod("protect", &MapHandle::Protect),
    InstanceMethod("advise", &MapHandle::Advise),
    InstanceMethod("lock", &MapHandle::Lock),
    InstanceMethod("unlock", &MapHandle::Unlock),
    InstanceMethod("address", &MapHandle::Address),
    InstanceMethod("isMapped", &MapHandle::IsMapped),
    InstanceMethod("faults", &MapHandle::Faults),
    InstanceMethod("fileSize", &MapHandle::FileSize),
  });
  // One class per environment: the main thread and every worker load the addon separately.
  env.GetInstanceData<AddonData>()->mapHandle = Napi::Persistent(f);
  return f;
}

Napi::Object MapHandle::Create(Napi::Env env) {
  return env.GetInstanceData<AddonData>()->mapHandle.New({});
}

MapState* MapHandle::Live(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (i >= info.Length() || !info[i].IsObject() ||
      !info[i].As<Napi::Object>().InstanceOf(data->mapHandle.Value())) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "expected a mapping handle");
    return nullptr;
  }
  MapHandle* h = MapHandle::Unwrap(info[i].As<Napi::Object>());
  if (!h->state->mapped) {
    ThrowCode(env, "ERR_MM_UNMAPPED", "the mapping has been unmapped");
    return nullptr;
  }
  return h->state.get();
}

// The state when the mapping can be worked on; nullptr when it is empty (nothing to do) or
// has been unmapped (then an ERR_MM_UNMAPPED error is pending).
MapState* MapHandle::Ready(Napi::Env env) {
  MapState* s = state.get();
  if (s->mapped) return s;
  if (s->length != 0) ThrowCode(env, "ERR_MM_UNMAPPED", "the mapping has been unmapped");
  return nullptr;
}

// unmap(buffer): the mapping goes, then the ArrayBuffer is detached so views read as length 0.
// The address range stays reserved (PROT_NONE) until the buffer's finalizer frees it, so a
// late user of the old address (a write(2) still queued on the thread pool) gets EFAULT and
// never the memory of a mapping made since.
Napi::Value MapHandle::Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = state.get();
  if (s->mapped) {
    void* r = mmap(s->base, s->mapLength, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
      if (munmap(s->base, s->mapLength) != 0) {
        ThrowErrno(env, errno, "munmap");
        return env.Undefined();
      }
    } else {
      s->reserved = true;
    }
    Retire(s);
    s->mapped = false;
  }
  if (info.Length() > 0 && info[0].IsArrayBuffer()) {
    Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
    if (!ab.IsDetached() && ab.ByteLength() > 0) ab.Detach();
  }
  return env.Undefined();
}

// Reads the caller's [offset, offset+length) (both default to the whole mapping).
static bool Span(const Napi::CallbackInfo& info, MapState* s, size_t argOff, uint64_t* offOut, uint64_t* lenOut) {
  uint64_t off = 0, n = s->length;
  if (info.Length() > argOff && !info[argOff].IsUndefined() && !ReadSize(info[argOff], "offset", &off)) return false;
  if (info.Length() > argOff + 1 && !info[argOff + 1].IsUndefined()) {
    if (!ReadSize(info[argOff + 1], "length", &n)) return false;
  } else if (off <= s->length) {
    n = s->length - off;
  }
  if (off > s->length || n > s->length - off) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", "range lies outside the mapping");
    return false;
  }
  *offOut = off;
  *lenOut = n;
  return true;
}

// Translates [offset, offset+length) of the caller's window into a page-aligned range that
// covers it (rounded outward: for calls that never change contents).
static bool Range(const Napi::CallbackInfo& info, MapState* s, size_t argOff, uint8_t** start, size_t* len) {
  uint64_t off, n;
  if (!Span(info, s, argOff, &off, &n)) return false;
  size_t first = s->delta + off;
  size_t alignedFirst = first & ~(PageSize() - 1);
  *start = s->base + alignedFirst;
  *len = first + n - alignedFirst;
  return true;
}

// sync(async, offset?, length?)
Napi::Value MapHandle::Sync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = Ready(env);
  if (!s) return env.Undefined();
  bool async = info.Length() > 0 && info[0].ToBoolean();
  uint8_t* start;
  size_t len;
  if (!Range(info, s, 1, &start, &len)) return env.Undefined();
  if (len && msync(start, len, async ? MS_ASYNC : MS_SYNC) != 0) ThrowErrno(env, errno, "msync");
  return env.Undefined();
}

// protect(prot)
Napi::Value MapHandle::Protect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = Ready(env);
  if (!s) return env.Undefined();
  int64_t prot;
  if (!ReadInt(info[0], "prot", &prot)) return env.Undefined();
  size_t span = (s->delta + s->length + PageSize() - 1) & ~(PageSize() - 1);
  if (mprotect(s->base, span, static_cast<int>(prot)) != 0) {
    ThrowErrno(env, errno, "mprotect");
    return env.Undefined();
  }
  SetFaultProt(s->slot, static_cast<int>(prot));
  return env.Undefined();
}

static bool Destructive(int64_t advice) {
  return advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE;
}

// advise(advice, offset?, length?). Advice that never changes contents covers every page the
// range touches. Advice that may drop contents (dontneed, free, remove) touches only the whole
// pages inside the range — the bytes around it, in the same pages, may be someone else's file
// bytes — and returns [offset, length] of what it covered, or null when no page is whole.
// (The last page of anonymous memory holds nothing else, so a range reaching the end takes it.)
Napi::Value MapHandle::Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t advice;
  if (!ReadInt(info[0], "advice", &advice)) return env.Undefined();
  MapState* s = Ready(env);
  if (!Destructive(advice)) {
    if (!s) return env.Undefined();
    uint8_t* start;
    size_t len;
    if (!Range(info, s, 1, &start, &len)) return env.Undefined();
    if (len && madvise(start, len, static_cast<int>(advice)) != 0) ThrowErrno(env, errno, "madvise");
    return env.Undefined();
  }
  Napi::Array done = Napi::Array::New(env, 2);
  if (!s) {
    if (env.IsExceptionPending()) return env.Undefined();
    done.Set(0u, Napi::Number::New(env, 0));
    done.Set(1u, Napi::Number::New(env, 0));
    return done;
  }
  uint64_t off, n;
  if (!Span(info, s, 1, &off, &n)) return env.Undefined();
  if (n == 0) {
    done.Set(0u, Napi::Number::New(env, static_cast<double>(off)));
    done.Set(1u, Napi::Number::New(env, 0));
    return done;
  }
  size_t page = PageSize();
  size_t first = s->delta + off;
  size_t last = first + n;
  size_t a = (first + page - 1) & ~(page - 1);
  size_t b = last & ~(page - 1);
  if (s->anonymous && off + n == s->length) b = (last + page - 1) & ~(page - 1);
  if (b <= a) return env.Null();
  if (madvise(s->base + a, b - a, static_cast<int>(advice)) != 0) {
    ThrowErrno(env, errno, "madvise");
    return env.Undefined();
  }
  size_t from = a - s->delta;
  size_t to = b - s->delta < s->length ? b - s->delta : s->length;
  done.Set(0u, Napi::Number::New(env, static_cast<double>(from)));
  done.Set(1u, Napi::Number::New(env, static_cast<double>(to - from)));
  return done;
}

Napi::Value MapHandle::Lock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = Ready(env);
  if (!s) return env.Undefined();
  if (mlock(s->data(), s->length) != 0) ThrowErrno(env, errno, "mlock");
  return env.Undefined();
}

Napi::Value MapHandle::Unlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = Ready(env);
  if (!s) return env.Undefined();
  if (munlock(s->data(), s->length) != 0) ThrowErrno(env, errno, "munlock");
  return env.Undefined();
}

// address(): the address of the caller's first byte (0n for an empty mapping).
Napi::Value MapHandle::Address(const Napi::CallbackInfo& info) {
  MapState* s = state.get();
  uint64_t a = s->mapped ? reinterpret_cast<uint64_t>(s->data()) : 0;
  return Napi::BigInt::New(info.Env(), a);
}

Napi::Value MapHandle::IsMapped(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), state->mapped);
}

// faults(): how many vanished pages the SIGBUS handler replaced with zeros in this mapping.
Napi::Value MapHandle::Faults(const Napi::CallbackInfo& info) {
  MapState* s = state.get();
  return Napi::Number::New(info.Env(), static_cast<double>(s->faults + FaultCount(s->slot)));
}

// fileSize(): the mapped file's size now (fstat), the size it had at unmap() if pages had
// vanished by then, or -1 when it cannot be known (anonymous memory, no /proc).
Napi::Value MapHandle::FileSize(const Napi::CallbackInfo& info) {
  MapState* s = state.get();
  double size = static_cast<double>(s->sizeAtUnmap);
  struct stat st;
  if (s->fileFd >= 0 && fstat(s->fileFd, &st) == 0) size = static_cast<double>(st.st_size);
  return Napi::Number::New(info.Env(), size);
}

// Wraps a fresh mapping into { handle, buffer }. A file mapping's pages (not its guard page)
// are registered with the fault handler; `fileFd` (O_PATH, or -1) is kept to fstat the file.
static Napi::Value Wrap(Napi::Env env, uint8_t* base, size_t mapLength, size_t delta, size_t length,
                        int prot, bool anonymous, int fileFd) {  // NOLINT(whitespace/indent_namespace)
  Napi::Object handleObj = MapHandle::Create(env);
  MapHandle* h = MapHandle::Unwrap(handleObj);
  MapState* s = h->state.get();
  s->base = base;
  s->mapLength = mapLength;
  s->delta = delta;
  s->length = length;
  s->mapped = base != nullptr;
  s->anonymous = anonymous;
  s->fileFd = fileFd;
  if (base != nullptr && !anonymous) {
    size_t page = PageSize();
    size_t span = (delta + length + page - 1) & ~(page - 1);
    s->slot = RegisterFaultRange(base, span, prot);
  }
  Napi::ArrayBuffer ab;
  if (length == 0) {
    ab = Napi::ArrayBuffer::New(env, 0);
  } else {
    auto* hint = new std::shared_ptr<MapState>(h->state);
    ab = Napi::ArrayBuffer::New(env, s->data(), length, FinalizeBuffer, hint);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", handleObj);
  out.Set("buffer", ab);
  return out;
}

// A descriptor that can fstat the file behind `fd` later, without sharing its open file
// description (so it holds no flock and changes no offset). -1 without /proc.
static int PathFd(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return open(path, O_PATH | O_CLOEXEC);
}

// mapFd(fd, offset, length, prot, flags, guard): maps [offset, offset+length) of fd.
static Napi::Value MapFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd, prot, flags;
  uint64_t offset, length;
  if (!ReadInt(info[0], "fd", &fd) || !ReadSize(info[1], "offset", &offset) ||
      !ReadSize(info[2], "length", &length) || !ReadInt(info[3], "prot", &prot) ||
      !ReadInt(info[4], "flags", &flags))
    return env.Undefined();
  bool guard = info.Length() > 5 && info[5].ToBoolean();
  std::string path = OptString(info, 6);
  if (length == 0) return Wrap(env, nullptr, 0, 0, 0, 0, false, -1);
  size_t page = PageSize();
  uint64_t aligned = offset & ~static_cast<uint64_t>(page - 1);
  size_t delta = static_cast<size_t>(offset - aligned);
  size_t span = static_cast<size_t>(((delta + length) + page - 1) & ~static_cast<uint64_t>(page - 1));
  size_t total = span + (guard ? page : 0);
  void* hintAddr = nullptr;
  if (guard) {
    // Reserve the mapping plus one PROT_NONE page, then place the file over the front.
    hintAddr = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (hintAddr == MAP_FAILED) {
      ThrowErrno(env, errno, "mmap", path);
      return env.Undefined();
    }
  }
  void* p = mmap(hintAddr, delta + length, static_cast<int>(prot),
                 static_cast<int>(flags) | (guard ? MAP_FIXED : 0), static_cast<int>(fd),
                 static_cast<off_t>(aligned));
  if (p == MAP_FAILED) {
    int err = errno;
    if (guard) munmap(hintAddr, total);
    ThrowErrno(env, err, "mmap", path);
    return env.Undefined();
  }
  return Wrap(env, static_cast<uint8_t*>(p), guard ? total : span, delta, static_cast<size_t>(length),
              static_cast<int>(prot), false, PathFd(static_cast<int>(fd)));
}

// mapAnonymous(length, prot, flags): MAP_ANONYMOUS memory, zero-filled.
static Napi::Value MapAnonymous(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t length;
  int64_t prot, flags;
  if (!ReadSize(info[0], "length", &length) || !ReadInt(info[1], "prot", &prot) ||
      !ReadInt(info[2], "flags", &flags))
    return env.Undefined();
  if (length == 0) return Wrap(env, nullptr, 0, 0, 0, 0, true, -1);
  size_t page = PageSize();
  size_t span = static_cast<size_t>((length + page - 1) & ~static_cast<uint64_t>(page - 1));
  void* p = mmap(nullptr, span, static_cast<int>(prot), static_cast<int>(flags) | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    ThrowErrno(env, errno, "mmap");
    return env.Undefined();
  }
  return Wrap(env, static_cast<uint8_t*>(p), span, 0, static_cast<size_t>(length), static_cast<int>(prot), true, -1);
}

void InitMap(Napi::Env env, Napi::Object exports) {
  exports.Set("MapHandle", MapHandle::Define(env));
  exports.Set("mapFd", Napi::Function::New(env, MapFd, "mapFd"));
  exports.Set("mapAnonymous", Napi::Function::New(env, MapAnonymous, "mapAnonymous"));
  Napi::Object c = Napi::Object::New(env);
#define C(x) c.Set(#x, Napi::Number::New(env, x));
  C(PROT_NONE) C(PROT_READ) C(PROT_WRITE) C(PROT_EXEC)
  C(MAP_SHARED) C(MAP_PRIVATE) C(MAP_POPULATE) C(MAP_NORESERVE)
  C(MADV_NORMAL) C(MADV_RANDOM) C(MADV_SEQUENTIAL) C(MADV_WILLNEED) C(MADV_DONTNEED)
  C(MADV_REMOVE) C(MADV_DONTFORK) C(MADV_DOFORK) C(MADV_HUGEPAGE) C(MADV_NOHUGEPAGE)
  C(MADV_DONTDUMP) C(MADV_DODUMP) C(MADV_FREE) C(MADV_COLD) C(MADV_PAGEOUT)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL
#endif
  C(MADV_POPULATE_READ)
  C(MS_ASYNC) C(MS_SYNC)
#undef C
  c.Set("pageSize", Napi::Number::New(env, static_cast<double>(PageSize())));
  exports.Set("constants", c);
}

}  // namespace mm
