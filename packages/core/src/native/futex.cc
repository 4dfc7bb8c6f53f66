// futex family: wait on and wake a 32-bit word of a MAP_SHARED mapping, across processes.
//
// Shared futexes only (no FUTEX_PRIVATE_FLAG): the kernel keys them on the file or shm object
// and the page offset, so a C program calling futex(2) on the same word of the same object
// waits and wakes with us. The kernel compares the word itself (FUTEX_WAIT's value check),
// so no code here ever dereferences the mapping: a vanished page is an EFAULT error, not a
// SIGBUS.
//
// The asynchronous wait runs on a waiter thread of this addon's own (never a libuv pool
// thread; one per wait pending at the same time, kept for the next wait) that sleeps
// in futex(2) on a private alias of the word's page, made with mremap(old_size = 0). The alias
// maps the same shared pages, so it is the same futex, and it stays valid even when the
// caller unmaps its mapping while the wait is pending. The result comes back through an
// unref'd thread-safe function, so a pending wait never keeps the process alive (unless the
// caller asks for that). Cancelling sets a flag and wakes the waiter through the alias with a
// bitset of its own; on environment teardown (Worker.terminate) every pending wait is
// cancelled and joined.
#include "common.h"
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mm {

namespace {

size_t PageSize() {
  static size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

long Futex(uint32_t* addr, int op, uint32_t val, const struct timespec* ts, uint32_t val3) {
  return syscall(SYS_futex, addr, op, val, ts, nullptr, val3);
}

// What a wait ended with, as JS sees it (the same words as Atomics.wait, plus "cancelled").
enum Outcome { kOk = 0, kNotEqual = 1, kTimedOut = 2, kCancelled = 3, kFailed = 4 };
const char* OutcomeName(int o) {
  switch (o) {
    case kOk: return "ok";
    case kNotEqual: return "not-equal";
    case kTimedOut: return "timed-out";
    default: return "cancelled";
  }
}

// An absolute CLOCK_MONOTONIC deadline `ms` from now (ms < 0: none).
bool Deadline(double ms, struct timespec* out) {
  if (ms < 0) return false;
  clock_gettime(CLOCK_MONOTONIC, out);
  double whole = static_cast<double>(static_cast<int64_t>(ms));
  int64_t sec = static_cast<int64_t>(whole) / 1000;
  int64_t nsec = (static_cast<int64_t>(whole) % 1000) * 1000000 + static_cast<int64_t>((ms - whole) * 1e6);
  out->tv_sec += static_cast<time_t>(sec);
  out->tv_nsec += static_cast<long>(nsec);
  while (out->tv_nsec >= 1000000000L) {
    out->tv_sec += 1;
    out->tv_nsec -= 1000000000L;
  }
  return true;
}

// One FUTEX_WAIT_BITSET (absolute monotonic deadline), retried on EINTR. Returns an Outcome
// and sets *err for kFailed.
int WaitOnce(uint32_t* word, uint32_t expected, const struct timespec* deadline, uint32_t bitset, int* err) {
  for (;;) {
    long r = Futex(word, FUTEX_WAIT_BITSET, expected, deadline, bitset);
    if (r == 0) return kOk;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return kNotEqual;
    if (errno == ETIMEDOUT) return kTimedOut;
    *err = errno;
    return kFailed;
  }
}

// The word at args[i] of the live mapping at args[0], checked: inside it and 4-byte aligned.
uint32_t* Word(const Napi::CallbackInfo& info, MapState** state) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return nullptr;
  uint64_t off;
  if (!ReadSize(info[1], "offset", &off)) return nullptr;
  if (off > s->length || s->length - off < 4) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "offset lies outside the mapping");
    return nullptr;
  }
  uint8_t* p = s->data() + off;
  if (reinterpret_cast<uintptr_t>(p) % 4 != 0) {
    ThrowCode(env, "ERR_MM_FUTEX_ALIGN", "a futex word must be 4-byte aligned");
    return nullptr;
  }
  if (state) *state = s;
  return reinterpret_cast<uint32_t*>(p);
}

bool ReadU32(const Napi::Value& v, const char* what, uint32_t* out) {
  int64_t n;
  if (!ReadInt(v, what, &n)) return false;
  if (n < INT32_MIN || n > static_cast<int64_t>(UINT32_MAX)) {
    ThrowCode(v.Env(), "ERR_OUT_OF_RANGE", std::string(what) + " must fit in 32 bits");
    return false;
  }
  *out = static_cast<uint32_t>(n);
  return true;
}

bool ReadTimeout(const Napi::CallbackInfo& info, size_t i, double* ms) {
  *ms = -1;
  if (i >= info.Length() || info[i].IsUndefined()) return true;
  if (!info[i].IsNumber()) {
    ThrowCode(info.Env(), "ERR_INVALID_ARG_TYPE", "timeout must be a number");
    return false;
  }
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != d || d < 0) {
    ThrowCode(info.Env(), "ERR_OUT_OF_RANGE", "timeout must be 0 or more milliseconds");
    return false;
  }
  *ms = d > 9.2e15 ? -1 : d;  // Infinity: no deadline
  return true;
}

// One pending asynchronous wait.
struct Wait {
  uint64_t id = 0;
  void* alias = nullptr;        // our own mapping of the word's page (mremap, old_size 0)
  uint32_t* word = nullptr;     // the word inside the alias
  uint32_t expected = 0;
  uint32_t bitset = 0;          // this wait's wake bitset (cancel wakes only it, mostly)
  bool hasDeadline = false;
  struct timespec deadline {};
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
  int outcome = kOk;
  int err = 0;
  napi_threadsafe_function tsfn = nullptr;
  napi_deferred deferred = nullptr;
};

// Per-environment state (a Worker has its own). `next` and `waits` are touched only on that
// environment's JS thread; the queue of waits for the waiter threads is guarded by `mu`.
struct Registry {
  uint64_t next = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Wait>> waits;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Wait>> queue;
  std::vector<std::thread> threads;
  size_t idle = 0;  // waiter threads not running a wait
  bool closing = false;
};

// Wakes the waiter thread until it has noticed the cancel flag. Repeating the wake closes
// the window in which the thread has checked the flag but not yet slept.
void CancelAndWait(Wait* w) {
  w->cancel.store(true, std::memory_order_release);
  while (!w->done.load(std::memory_order_acquire)) {
    Futex(w->word, FUTEX_WAKE_BITSET, INT_MAX, nullptr, w->bitset);
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, nullptr);
  }
}

void Release(Wait* w) {
  if (w->alias) munmap(w->alias, PageSize());
  w->alias = nullptr;
}

// Environment teardown: waits not yet picked up are dropped, running ones cancelled, every
// waiter thread joined, every alias unmapped.
void Cleanup(void* arg) {
  auto* reg = static_cast<Registry*>(arg);
  {
    std::lock_guard<std::mutex> lock(reg->mu);
    reg->closing = true;
    for (auto& w : reg->queue) w->done.store(true, std::memory_order_release);
    reg->queue.clear();
  }
  reg->cv.notify_all();
  for (auto& kv : reg->waits) CancelAndWait(kv.second.get());
  for (auto& t : reg->threads) t.join();
  for (auto& kv : reg->waits) Release(kv.second.get());
  reg->waits.clear();
  delete reg;
}

// Runs on the JS thread when a waiter thread has finished (env is null during teardown, when
// Cleanup has already joined and released everything).
void Deliver(napi_env env, napi_value, void* context, void* data) {
  if (env == nullptr) return;
  auto* reg = static_cast<Registry*>(context);
  uint64_t id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data));
  auto it = reg->waits.find(id);
  if (it == reg->waits.end()) return;
  std::shared_ptr<Wait> w = it->second;
  reg->waits.erase(it);
  Release(w.get());  // the waiter thread set `done` before queueing this call: it is off the alias
  Napi::Env e(env);
  Napi::HandleScope scope(e);
  if (w->outcome == kFailed) {
    napi_reject_deferred(env, w->deferred, ErrnoError(e, w->err, "futex").Value());
  } else {
    napi_resolve_deferred(env, w->deferred, Napi::String::New(e, OutcomeName(w->outcome)));
  }
}

void RunWaiter(std::shared_ptr<Wait> w) {
  int outcome = kCancelled;
  if (!w->cancel.load(std::memory_order_acquire)) {
    outcome = WaitOnce(w->word, w->expected, w->hasDeadline ? &w->deadline : nullptr, w->bitset, &w->err);
    // A wake that finds the cancel flag set is the canceller's (or reported as cancelled).
    if (outcome == kOk && w->cancel.load(std::memory_order_acquire)) outcome = kCancelled;
  }
  w->outcome = outcome;
  napi_threadsafe_function tsfn = w->tsfn;
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(w->id));
  w->done.store(true, std::memory_order_release);
  // After `done` the JS thread may unmap the alias; `w` stays alive until this returns.
  if (napi_call_threadsafe_function(tsfn, data, napi_tsfn_nonblocking) != napi_closing) {
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  }
}

// A waiter thread: runs queued waits one after another until the environment closes.
void WaiterThread(Registry* reg) {
  // Named, so `top -H`, a debugger or /proc/PID/task/*/comm show what the thread is for.
  pthread_setname_np(pthread_self(), "mm-futex-wait");
  std::unique_lock<std::mutex> lock(reg->mu);
  for (;;) {
    reg->cv.wait(lock, [reg] { return reg->closing || !reg->queue.empty(); });
    if (reg->closing) return;
    std::shared_ptr<Wait> w = std::move(reg->queue.front());
    reg->queue.pop_front();
    reg->idle--;
    lock.unlock();
    RunWaiter(std::move(w));
    lock.lock();
    reg->idle++;
  }
}

// futexWait(handle, offset, expected, timeoutMs?) -> 0 ok | 1 not-equal | 2 timed-out.
// Blocks the calling thread in FUTEX_WAIT (EINTR is retried against the same deadline).
Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t* word = Word(info, nullptr);
  if (!word) return env.Undefined();
  uint32_t expected;
  double ms;
  if (!ReadU32(info[2], "expected", &expected) || !ReadTimeout(info, 3, &ms)) return env.Undefined();
  struct timespec deadline;
  bool has = Deadline(ms, &deadline);
  int err = 0;
  int o = WaitOnce(word, expected, has ? &deadline : nullptr, FUTEX_BITSET_MATCH_ANY, &err);
  if (o == kFailed) {
    ThrowErrno(env, err, "futex");
    return env.Undefined();
  }
  return Napi::Number::New(env, o);  // 0 ok, 1 not-equal, 2 timed-out: a number is cheaper than a string
}

// futexWake(handle, offset, count) -> waiters woken (in every process).
Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t* word = Word(info, nullptr);
  if (!word) return env.Undefined();
  uint64_t count;
  if (!ReadSize(info[2], "count", &count)) return env.Undefined();
  int n = count > static_cast<uint64_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  long r = Futex(word, FUTEX_WAKE, static_cast<uint32_t>(n), nullptr, 0);
  if (r < 0) {
    ThrowErrno(env, errno, "futex");
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(r));
}

// futexWaitAsync(handle, offset, expected, timeoutMs?, ref?) -> { id, promise }.
// The promise resolves to "ok" | "not-equal" | "timed-out" | "cancelled".
Napi::Value FutexWaitAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* reg = static_cast<Registry*>(info.Data());
  uint32_t* word = Word(info, nullptr);
  if (!word) return env.Undefined();
  uint32_t expected;
  double ms;
  if (!ReadU32(info[2], "expected", &expected) || !ReadTimeout(info, 3, &ms)) return env.Undefined();
  bool ref = info.Length() > 4 && info[4].ToBoolean();

  auto w = std::make_shared<Wait>();
  w->id = reg->next++;
  w->expected = expected;
  w->bitset = 1u << (w->id % 31);
  w->hasDeadline = Deadline(ms, &w->deadline);

  uintptr_t addr = reinterpret_cast<uintptr_t>(word);
  uintptr_t page = addr & ~(static_cast<uintptr_t>(PageSize()) - 1);
  void* alias = mremap(reinterpret_cast<void*>(page), 0, PageSize(), MREMAP_MAYMOVE);
  if (alias == MAP_FAILED) {
    ThrowErrno(env, errno, "mremap");
    return env.Undefined();
  }
  w->alias = alias;
  w->word = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(alias) + (addr - page));

  napi_value promise;
  napi_value name = Napi::String::New(env, "mm-futex-wait");
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, reg, Deliver,
                                      &w->tsfn) != napi_ok) {
    Release(w.get());
    ThrowCode(env, "ERR_MM_FUTEX", "cannot set up an asynchronous wait");
    return env.Undefined();
  }
  if (!ref) napi_unref_threadsafe_function(env, w->tsfn);
  {
    std::lock_guard<std::mutex> lock(reg->mu);
    reg->queue.push_back(w);
    if (reg->idle < reg->queue.size()) {
      // Every waiter thread is busy: one more (it stays for later waits).
      try {
        reg->threads.emplace_back(WaiterThread, reg);
        reg->idle++;
      } catch (...) {
        reg->queue.pop_back();
        napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
        Release(w.get());
        ThrowErrno(env, EAGAIN, "pthread_create");
        return env.Undefined();
      }
    }
  }
  reg->cv.notify_one();
  reg->waits.emplace(w->id, w);
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", Napi::Number::New(env, static_cast<double>(w->id)));
  out.Set("promise", Napi::Value(env, promise));
  return out;
}

// futexCancel(id) -> true if the wait was still pending. Sets the cancel flag and wakes the
// waiter once; the caller repeats until the promise settles (a wake can land just before the
// thread sleeps). Never blocks.
Napi::Value FutexCancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* reg = static_cast<Registry*>(info.Data());
  int64_t id;
  if (!ReadInt(info[0], "id", &id)) return env.Undefined();
  auto it = reg->waits.find(static_cast<uint64_t>(id));
  if (it == reg->waits.end()) return Napi::Boolean::New(env, false);
  Wait* w = it->second.get();
  w->cancel.store(true, std::memory_order_release);
  if (!w->done.load(std::memory_order_acquire)) Futex(w->word, FUTEX_WAKE_BITSET, INT_MAX, nullptr, w->bitset);
  return Napi::Boolean::New(env, true);
}

// futexPending() -> asynchronous waits still pending in this environment (for tests).
Napi::Value FutexPending(const Napi::CallbackInfo& info) {
  auto* reg = static_cast<Registry*>(info.Data());
  return Napi::Number::New(info.Env(), static_cast<double>(reg->waits.size()));
}

}  // namespace

void InitFutex(Napi::Env env, Napi::Object exports) {
  auto* reg = new Registry();
  napi_add_env_cleanup_hook(env, Cleanup, reg);
  exports.Set("futexWait", Napi::Function::New(env, FutexWait, "futexWait"));
  exports.Set("futexWake", Napi::Function::New(env, FutexWake, "futexWake"));
  exports.Set("futexWaitAsync", Napi::Function::New(env, FutexWaitAsync, "futexWaitAsync", reg));
  exports.Set("futexCancel", Napi::Function::New(env, FutexCancel, "futexCancel", reg));
  exports.Set("futexPending", Napi::Function::New(env, FutexPending, "futexPending", reg));
}

}  // namespace mm
