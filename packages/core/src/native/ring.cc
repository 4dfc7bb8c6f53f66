// ring family: a fixed ring of equal slots in one anonymous mapping, shared across fork().
// This process fills slots from an fd (on a worker thread) and publishes them; a forked
// child that first sleeps in sigwait writes each published slot to an fd and hands the slot
// back. After the wake-up signal, every hand-off goes through the shared memory itself:
// two counters and futexes on them, never a pipe.
//
// Layout (RING_HEADER bytes of control, then `slots` slots of `slotSize` bytes):
//   offset   0  uint32 head   slots published by the filler (it only ever grows)
//   offset  64  uint32 tail   slots written out and handed back by the child
//   offset 128  uint32 stop   non-zero: the filler gives up (set by ringStop)
//   offset 132  int32  error  errno of the child's failed write, or 0
//   offset 256  uint64 len[slots]  bytes in each slot; a published 0 means end of data
// Slot k of the stream lives at RING_HEADER + (k % slots) * slotSize.
#include "common.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#include <ctime>
#include <string>
#include <utility>

namespace mm {

static constexpr size_t kRingHeader = 4096;
static constexpr size_t kLenOffset = 256;
static constexpr uint64_t kMaxSlots = (kRingHeader - kLenOffset) / 8;
static constexpr int kPollMs = 100;  // how often a waiting filler looks at the stop flag
static constexpr int kPipeSize = 1 << 20;  // what the child asks an output pipe to hold

struct RingView {
  uint8_t* base;
  uint64_t slotSize;
  uint64_t slots;
  uint32_t* head() const { return reinterpret_cast<uint32_t*>(base); }
  uint32_t* tail() const { return reinterpret_cast<uint32_t*>(base + 64); }
  uint32_t* stop() const { return reinterpret_cast<uint32_t*>(base + 128); }
  int32_t* error() const { return reinterpret_cast<int32_t*>(base + 132); }
  uint64_t* len(uint32_t k) const { return reinterpret_cast<uint64_t*>(base + kLenOffset) + (k % slots); }
  uint8_t* slot(uint32_t k) const { return base + kRingHeader + (k % slots) * slotSize; }
};

// Not FUTEX_PRIVATE: the word lives in memory shared with another process.
static void FutexWait(uint32_t* word, uint32_t expected, int timeoutMs) {
  struct timespec ts = {timeoutMs / 1000, (timeoutMs % 1000) * 1000000L};
  syscall(SYS_futex, word, FUTEX_WAIT, expected, timeoutMs < 0 ? nullptr : &ts, nullptr, 0);
}

static void FutexWake(uint32_t* word) {
  syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Reads the ring arguments (handle, slotSize, slots) and checks they fit the mapping.
static bool ReadRing(const Napi::CallbackInfo& info, RingView* r) {
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return false;
  if (!ReadSize(info[1], "slotSize", &r->slotSize) || !ReadSize(info[2], "slots", &r->slots)) return false;
  if (r->slotSize == 0 || r->slots == 0 || r->slots > kMaxSlots) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE",
              "a ring needs 1 to " + std::to_string(kMaxSlots) + " slots of at least 1 byte");
    return false;
  }
  if (s->length < kRingHeader || (s->length - kRingHeader) / r->slots < r->slotSize) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", "mapping too small for the ring");
    return false;
  }
  r->base = s->data();
  if (reinterpret_cast<uintptr_t>(r->base) % 64 != 0) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", "ring mapping is not aligned");
    return false;
  }
  return true;
}

namespace {

struct RingChildArgs {
  RingView ring;
  int signo;
  int outFd;
  int reportFd;
};

// The ring writer's child (forked by ForkChild, every signal blocked, only outFd and
// reportFd open; see forkRingWriter below).
void RingChildBody(void* arg) {
  const RingChildArgs* a = static_cast<const RingChildArgs*>(arg);
  ChildAwaitSignal(a->signo);
  // A pipe that holds more than the default 64 KiB means fewer sleeps and wake-ups on both
  // of its ends; best effort (the kernel may refuse more than a user's share).
  struct stat st;
  if (fstat(a->outFd, &st) == 0 && S_ISFIFO(st.st_mode)) {
    int cur = fcntl(a->outFd, F_GETPIPE_SZ);
    if (cur > 0 && cur < kPipeSize) fcntl(a->outFd, F_SETPIPE_SZ, kPipeSize);
  }
  uint64_t total = 0;
  bool ok = true;
  uint32_t tail = __atomic_load_n(a->ring.tail(), __ATOMIC_ACQUIRE);
  for (;;) {
    uint32_t head = __atomic_load_n(a->ring.head(), __ATOMIC_ACQUIRE);
    if (head == tail) {
      if (tail == 0) break;  // nothing was ever published in this view of the memory
      FutexWait(a->ring.head(), head, -1);
      continue;
    }
    uint64_t len = __atomic_load_n(a->ring.len(tail), __ATOMIC_ACQUIRE);
    if (len == 0) break;  // end of data
    if (len > a->ring.slotSize) len = a->ring.slotSize;
    if (!ChildWriteAll(a->outFd, a->ring.slot(tail), len)) {
      __atomic_store_n(a->ring.error(), errno ? errno : EIO, __ATOMIC_RELEASE);
      ok = false;
    } else {
      total += len;
    }
    tail++;
    __atomic_store_n(a->ring.tail(), tail, __ATOMIC_RELEASE);
    FutexWake(a->ring.tail());
    if (!ok) break;
  }
  if (a->reportFd >= 0) ChildWriteAll(a->reportFd, reinterpret_cast<uint8_t*>(&total), sizeof total);
  _exit(ok ? 0 : 1);
}

}  // namespace

// forkRingWriter(handle, slotSize, slots, signo, outFd, reportFd) -> pid
// The child blocks in sigwait(signo). Once woken, it writes published slots to outFd in
// order, handing each back (tail + 1, futex wake) after its write, and waits on the head
// futex when it has caught up. It stops at a published slot of length 0 (end of data) or
// at once if nothing was published when it woke (its view of the memory may be a private
// snapshot, or it was woken early). An output pipe is asked to hold 1 MiB (F_SETPIPE_SZ,
// best effort). It writes the total it wrote (uint64) to reportFd
// (if >= 0) and exits 0; after a failed write it stores errno in the ring, wakes the
// filler and exits 1. It asks for SIGKILL when its parent dies.
static Napi::Value ForkRingWriter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingView r;
  if (!ReadRing(info, &r)) return env.Undefined();
  int64_t signo, outFd, reportFd;
  if (!ReadInt(info[3], "signal", &signo) || !ReadInt(info[4], "outFd", &outFd) ||
      !ReadInt(info[5], "reportFd", &reportFd))
    return env.Undefined();
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "signal cannot be waited for");
    return env.Undefined();
  }
  RingChildArgs args{r, static_cast<int>(signo), static_cast<int>(outFd), static_cast<int>(reportFd)};
  int keep[2] = {args.outFd, args.reportFd};
  ChildSpec spec;
  spec.keep = keep;
  spec.keepCount = 2;
  spec.body = RingChildBody;
  spec.arg = &args;
  pid_t pid = ForkChild(spec);
  int forkErr = errno;
  if (pid < 0) {
    ThrowErrno(env, forkErr, "fork");
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}

// ringFill(handle, slotSize, slots, fd, maxSlots, name) -> Promise<{ bytes, slots, end, stopped, error }>
// On a worker thread: waits for a free slot, reads once from fd into it (up to slotSize
// bytes), publishes it (len, then head + 1 with release, futex wake), and repeats until
// `maxSlots` slots were published, the fd reaches its end (then a slot of length 0 is
// published: `end`), the stop flag is set or the child reports a failed write (`stopped`),
// or read fails (rejects with the errno error, naming `name`). Waits are bounded so that a
// stop is noticed within a fraction of a second even while the input has nothing to read.
// The mapping must stay mapped until the promise settles.
class RingFillWorker : public Napi::AsyncWorker {
 public:
  RingFillWorker(Napi::Env env, RingView r, int fd, uint64_t maxSlots, std::string name)
      : Napi::AsyncWorker(env, "mm-ring-fill"), r_(r), fd_(fd), max_(maxSlots), name_(std::move(name)),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    uint32_t head = __atomic_load_n(r_.head(), __ATOMIC_RELAXED);
    while (published_ < max_) {
      if (!WaitForSlot(head)) return;
      ssize_t n = ReadInto(r_.slot(head));
      if (n < 0) return;
      if (stopped_) return;
      __atomic_store_n(r_.len(head), static_cast<uint64_t>(n), __ATOMIC_RELEASE);
      head++;
      __atomic_store_n(r_.head(), head, __ATOMIC_RELEASE);
      FutexWake(r_.head());
      published_++;
      if (n == 0) {
        end_ = true;
        return;
      }
      bytes_ += static_cast<uint64_t>(n);
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      deferred_.Reject(ErrnoError(env, err_, "read", name_).Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_)));
    o.Set("slots", Napi::Number::New(env, static_cast<double>(published_)));
    o.Set("end", Napi::Boolean::New(env, end_));
    o.Set("stopped", Napi::Boolean::New(env, stopped_));
    int32_t childErr = __atomic_load_n(r_.error(), __ATOMIC_ACQUIRE);
    o.Set("error", childErr ? Napi::Value(Napi::Number::New(env, childErr)) : env.Null());
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  bool Halted() {
    if (__atomic_load_n(r_.stop(), __ATOMIC_ACQUIRE) || __atomic_load_n(r_.error(), __ATOMIC_ACQUIRE)) {
      stopped_ = true;
      return true;
    }
    return false;
  }

  // Waits until slot `head` is free (the child handed it back). False if stopped.
  bool WaitForSlot(uint32_t head) {
    for (;;) {
      if (Halted()) return false;
      uint32_t tail = __atomic_load_n(r_.tail(), __ATOMIC_ACQUIRE);
      if (head - tail < r_.slots) return true;
      FutexWait(r_.tail(), tail, kPollMs);
    }
  }

  // One read of up to slotSize bytes, after poll says there is something (or the end) to
  // read; stops waiting when the stop flag is set. -1 on error (err_ set) or stop.
  ssize_t ReadInto(uint8_t* dst) {
    for (;;) {
      struct pollfd p = {fd_, POLLIN, 0};
      int pr = poll(&p, 1, kPollMs);
      if (Halted()) return -1;
      if (pr == 0 || (pr < 0 && errno == EINTR)) continue;
      ssize_t n = read(fd_, dst, r_.slotSize);
      if (n >= 0) return n;
      if (errno == EINTR || errno == EAGAIN) continue;
      err_ = errno;
      return -1;
    }
  }

  RingView r_;
  int fd_;
  uint64_t max_;
  std::string name_;
  uint64_t bytes_ = 0;
  uint64_t published_ = 0;
  bool end_ = false;
  bool stopped_ = false;
  int err_ = 0;
  Napi::Promise::Deferred deferred_;
};

static Napi::Value RingFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingView r;
  if (!ReadRing(info, &r)) return env.Undefined();
  int64_t fd;
  uint64_t maxSlots;
  if (!ReadInt(info[3], "fd", &fd) || !ReadSize(info[4], "maxSlots", &maxSlots)) return env.Undefined();
  auto* w = new RingFillWorker(env, r, static_cast<int>(fd), maxSlots, OptString(info, 5));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// ringStop(handle, slotSize, slots): sets the stop flag and wakes both sides' futexes.
static Napi::Value RingStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingView r;
  if (!ReadRing(info, &r)) return env.Undefined();
  __atomic_store_n(r.stop(), 1u, __ATOMIC_RELEASE);
  FutexWake(r.tail());
  FutexWake(r.head());
  return env.Undefined();
}

void InitRing(Napi::Env env, Napi::Object exports) {
  exports.Set("forkRingWriter", Napi::Function::New(env, ForkRingWriter, "forkRingWriter"));
  exports.Set("ringFill", Napi::Function::New(env, RingFill, "ringFill"));
  exports.Set("ringStop", Napi::Function::New(env, RingStop, "ringStop"));
  exports.Set("RING_HEADER", Napi::Number::New(env, static_cast<double>(kRingHeader)));
  exports.Set("RING_ERROR_OFFSET", Napi::Number::New(env, 132));  // RingView::error()
  exports.Set("RING_MAX_SLOTS", Napi::Number::New(env, static_cast<double>(kMaxSlots)));
}

}  // namespace mm
