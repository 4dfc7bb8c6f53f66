// fork family: a forked child that tries one memory access (so a fault kills the child,
// not Node), a forked child that sleeps in sigwait and then writes a mapping to an fd,
// and an asynchronous wait for exactly one child that never blocks a thread.
//
// A forked child of a multi-threaded process may only make async-signal-safe calls, so
// every child here runs a few syscalls and _exit(); it never returns into JavaScript.
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <mutex>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace mm {

// ---- The forking thread -----------------------------------------------------------------
// One detached native thread per process, started on first use, lives until the process
// ends and has every signal blocked. All children are forked there (see ForkChild in
// common.h for why). It is process-wide on purpose: it belongs to no Node environment, and
// every environment (main thread, workers) hands it requests under a mutex.

namespace {

struct ForkRequest {
  const ChildSpec* spec = nullptr;
  pid_t pid = -1;
  int err = 0;
  bool done = false;
};

// Allocated once and never destroyed: a static std::condition_variable would be destroyed
// at exit() while the forking thread still waits on it, and glibc's pthread_cond_destroy
// waits for its waiters — process.exit() would hang.
struct Forker {
  std::mutex call;   // one request at a time
  std::mutex mutex;  // guards pending and ForkRequest::done
  std::condition_variable wake, done;
  ForkRequest* pending = nullptr;
};
Forker* gForker = nullptr;
pthread_once_t gOnce = PTHREAD_ONCE_INIT;
int gStartError = 0;

// SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored by default: setting SIG_DFL on one of
// them discards an instance that is already pending (POSIX), so the child gives them a
// handler that does nothing instead. The signal stays pending while blocked.
void NoopHandler(int) {}

bool DefaultIsIgnore(int sig) {
  return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

void ChildResetSignals() {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    if (DefaultIsIgnore(sig)) {
      sa.sa_handler = NoopHandler;
      sa.sa_flags = SA_RESTART;
    } else {
      sa.sa_handler = SIG_DFL;
    }
    sigaction(sig, &sa, nullptr);  // glibc's own signals answer EINVAL: fine
  }
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

// close_range(2) (Linux 5.9) as a raw system call; a loop of close() where it is missing.
void CloseRange(unsigned first, unsigned last) {
  if (first > last) return;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, first, last, 0) == 0) return;
#endif
  struct rlimit rl;
  unsigned limit = 1u << 20;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
    limit = static_cast<unsigned>(rl.rlim_cur);
  if (last >= limit) last = limit - 1;
  for (unsigned fd = first; fd <= last && fd < limit; fd++) close(static_cast<int>(fd));
}

// Closes every fd but the `n` in `keep` (small, any order, -1 entries ignored).
void ChildCloseFds(const int* keep, size_t n) {
  int sorted[32];
  size_t m = 0;
  for (size_t i = 0; i < n && m < 32; i++) {
    if (keep[i] < 0) continue;
    size_t j = m++;
    while (j > 0 && sorted[j - 1] > keep[i]) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    sorted[j] = keep[i];
  }
  unsigned next = 0;
  for (size_t i = 0; i < m; i++) {
    unsigned k = static_cast<unsigned>(sorted[i]);
    if (k > next) CloseRange(next, k - 1);
    if (k + 1 > next) next = k + 1;
  }
  CloseRange(next, ~0u);
}

// Runs in the forking thread: fork, set the child up, wait until it is (end-of-file on a
// pipe whose write end only the child still holds).
pid_t DoFork(const ChildSpec& spec, int* err) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    *err = errno;
    return -1;
  }
  // The child would inherit this thread's name ("mm-fork"); it takes the process's instead
  // (what ps shows for the main thread, e.g. the tool's process.title).
  char comm[17] = {0};
  int cfd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (cfd >= 0) {
    ssize_t n = read(cfd, comm, 16);
    close(cfd);
    if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = 0;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    if (comm[0]) prctl(PR_SET_NAME, comm);
    ChildResetSignals();
    if (spec.dieWithParent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
    }
    // Closing every other fd also closes ready[1]: the parent's read sees end-of-file
    // only once this child holds nothing but `keep`.
    ChildCloseFds(spec.keep, spec.keepCount);
    spec.body(spec.arg);
    _exit(127);
  }
  *err = errno;
  close(ready[1]);
  if (pid > 0) {
    char b;
    ssize_t r;
    do {
      r = read(ready[0], &b, 1);
    } while (r < 0 && errno == EINTR);  // 0: the child closed its fds (or died)
  }
  close(ready[0]);
  return pid;
}

void* ForkerMain(void* arg) {
  Forker* f = static_cast<Forker*>(arg);
  std::unique_lock<std::mutex> lock(f->mutex);
  for (;;) {
    f->wake.wait(lock, [f] { return f->pending != nullptr; });
    ForkRequest* req = f->pending;
    f->pending = nullptr;
    lock.unlock();
    int err = 0;
    pid_t pid = DoFork(*req->spec, &err);
    lock.lock();
    req->pid = pid;
    req->err = err;
    req->done = true;
    f->done.notify_all();
  }
  return nullptr;
}

void StartForker() {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the new thread inherits: every signal blocked
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  gForker = new Forker();
  gStartError = pthread_create(&t, &attr, ForkerMain, gForker);
  pthread_attr_destroy(&attr);
  if (gStartError == 0) pthread_setname_np(t, "mm-fork");
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

pid_t ForkChild(const ChildSpec& spec) {
  pthread_once(&gOnce, StartForker);
  if (gStartError != 0) {
    errno = gStartError;
    return -1;
  }
  Forker* f = gForker;
  std::lock_guard<std::mutex> call(f->call);
  ForkRequest req;
  req.spec = &spec;
  std::unique_lock<std::mutex> lock(f->mutex);
  f->pending = &req;
  f->wake.notify_one();
  f->done.wait(lock, [&] { return req.done; });
  errno = req.err;
  return req.pid;
}

// ---- Waiting for a child on the event loop -----------------------------------------------

namespace {

long PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return syscall(SYS_pidfd_open, pid, 0);
#else
  errno = ENOSYS;
  return -1;
#endif
}

// waitid(P_PIDFD) needs Linux 5.4; on 5.3 the pid itself is used (it cannot be reused
// while the child is unreaped, and only this waiter reaps it).
std::atomic<bool> gPidfdWaitid{true};

// One non-blocking waitid: 1 = reaped (info filled), 0 = still running, -1 = error (errno).
int TryReap(pid_t pid, int pidfd, siginfo_t* si) {
  for (;;) {
    memset(si, 0, sizeof *si);
    int r;
    if (pidfd >= 0 && gPidfdWaitid.load()) {
      r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), si, WEXITED | WNOHANG);
      if (r != 0 && errno == EINVAL) {
        gPidfdWaitid.store(false);
        continue;
      }
    } else {
      r = waitid(P_PID, static_cast<id_t>(pid), si, WEXITED | WNOHANG);
    }
    if (r != 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    return si->si_pid != 0 ? 1 : 0;
  }
}

Napi::Object StatusObject(Napi::Env env, pid_t pid, const siginfo_t& si) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, pid));
  if (si.si_code == CLD_EXITED) {
    o.Set("code", Napi::Number::New(env, si.si_status));
    o.Set("signal", env.Null());
  } else {
    o.Set("code", env.Null());
    o.Set("signal", Napi::Number::New(env, si.si_status));
  }
  return o;
}

// One pending wait: a uv_poll_t on the child's pidfd (readable once it has exited), or a
// 20 ms uv_timer_t with WNOHANG where pidfds are missing (Linux < 5.3). No thread blocks.
// An async cleanup hook closes it when the environment goes away (Worker.terminate()),
// so a living child never holds up the end of a thread or process.
struct Waiter {
  napi_env env = nullptr;
  pid_t pid = 0;
  int pidfd = -1;
  int valueFd = -1;  // probeAccess: read end of the pipe carrying the first byte touched
  napi_deferred deferred = nullptr;
  napi_async_context context = nullptr;
  napi_async_cleanup_hook_handle hook = nullptr;
  bool usePoll = false;
  bool closing = false;
  uv_poll_t poll;
  uv_timer_t timer;
  uv_handle_t* handle() {
    return usePoll ? reinterpret_cast<uv_handle_t*>(&poll) : reinterpret_cast<uv_handle_t*>(&timer);
  }
};

void OnClosed(uv_handle_t* h) {
  Waiter* w = static_cast<Waiter*>(h->data);
  if (w->pidfd >= 0) close(w->pidfd);
  if (w->valueFd >= 0) close(w->valueFd);
  if (w->context) napi_async_destroy(w->env, w->context);
  napi_async_cleanup_hook_handle hook = w->hook;
  delete w;
  if (hook) napi_remove_async_cleanup_hook(hook);
}

void CloseWaiter(Waiter* w) {
  if (w->closing) return;
  w->closing = true;
  uv_close(w->handle(), OnClosed);
}

void OnEnvCleanup(napi_async_cleanup_hook_handle, void* arg) {
  CloseWaiter(static_cast<Waiter*>(arg));
}

// Settles the promise from a libuv callback: inside a callback scope, so promise reactions
// (and process.nextTick) run right after, as for any Node callback. No C++ exception leaves.
void Settle(Waiter* w, int result, const siginfo_t& si, int err) {
  napi_env env = w->env;
  napi_handle_scope hs;
  if (napi_open_handle_scope(env, &hs) != napi_ok) return;
  try {
    napi_value resource;
    napi_callback_scope cs = nullptr;
    if (napi_create_object(env, &resource) == napi_ok) napi_open_callback_scope(env, resource, w->context, &cs);
    Napi::Env e(env);
    if (result == 1) {
      Napi::Object o = StatusObject(e, w->pid, si);
      if (w->valueFd >= 0) {
        uint8_t b = 0;
        ssize_t n;
        do {
          n = read(w->valueFd, &b, 1);
        } while (n < 0 && errno == EINTR);
        o.Set("value", n == 1 ? Napi::Value(Napi::Number::New(e, b)) : e.Null());
      }
      napi_resolve_deferred(env, w->deferred, o);
    } else {
      napi_reject_deferred(env, w->deferred, ErrnoError(e, err, "waitid").Value());
    }
    w->deferred = nullptr;
    if (cs) napi_close_callback_scope(env, cs);
  } catch (...) {
    // Nothing here may throw into libuv; a failure leaves the promise pending.
  }
  napi_close_handle_scope(env, hs);
}

void Check(Waiter* w) {
  if (w->closing) return;
  siginfo_t si;
  int r = TryReap(w->pid, w->pidfd, &si);
  if (r == 0) return;
  int err = r < 0 ? errno : 0;
  if (w->usePoll) uv_poll_stop(&w->poll);
  else uv_timer_stop(&w->timer);
  Settle(w, r, si, err);
  CloseWaiter(w);
}

void OnPoll(uv_poll_t* h, int, int) { Check(static_cast<Waiter*>(h->data)); }
void OnTimer(uv_timer_t* h) { Check(static_cast<Waiter*>(h->data)); }

// Starts waiting for `pid` (which must be our child) and returns the promise. Takes
// ownership of valueFd. Reaps at once if the child has already exited.
Napi::Value StartWait(Napi::Env env, pid_t pid, int valueFd) {
  napi_deferred deferred;
  napi_value promise;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) {
    if (valueFd >= 0) close(valueFd);
    throw Napi::Error::New(env);
  }
  auto* w = new Waiter();
  w->env = env;
  w->pid = pid;
  w->valueFd = valueFd;
  w->deferred = deferred;
  long fd = PidfdOpen(pid);  // fails on Linux < 5.3 (ENOSYS): then the timer below
  w->pidfd = fd >= 0 ? static_cast<int>(fd) : -1;
  siginfo_t si;
  int r = TryReap(pid, w->pidfd, &si);
  int err = r < 0 ? errno : 0;
  if (r != 0) {
    // Settled now (reaped, or not our child: ECHILD). Never "exited 0" on failure.
    Napi::Object o;
    if (r == 1) {
      o = StatusObject(env, pid, si);
      if (valueFd >= 0) {
        uint8_t b = 0;
        ssize_t n;
        do {
          n = read(valueFd, &b, 1);
        } while (n < 0 && errno == EINTR);
        o.Set("value", n == 1 ? Napi::Value(Napi::Number::New(env, b)) : env.Null());
      }
    }
    if (w->pidfd >= 0) close(w->pidfd);
    if (valueFd >= 0) close(valueFd);
    delete w;
    if (r == 1) napi_resolve_deferred(env, deferred, o);
    else napi_reject_deferred(env, deferred, ErrnoError(env, err, "waitid").Value());
    return Napi::Value(env, promise);
  }
  uv_loop_t* loop = nullptr;
  napi_value name = Napi::String::New(env, "mm.waitChild");
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop ||
      napi_async_init(env, nullptr, name, &w->context) != napi_ok) {
    if (w->pidfd >= 0) close(w->pidfd);
    if (valueFd >= 0) close(valueFd);
    delete w;
    throw Napi::Error::New(env, "cannot watch the child on this event loop");
  }
  w->usePoll = w->pidfd >= 0;
  int ur;
  if (w->usePoll) {
    ur = uv_poll_init(loop, &w->poll, w->pidfd);
    w->poll.data = w;
    if (ur == 0) ur = uv_poll_start(&w->poll, UV_READABLE, OnPoll);
  } else {
    ur = uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    if (ur == 0) ur = uv_timer_start(&w->timer, OnTimer, 20, 20);
  }
  if (ur != 0) {
    // uv_poll_init on a pidfd cannot fail on Linux; if it ever did, the handle may be
    // half made: close it the normal way and report.
    napi_reject_deferred(env, deferred, ErrnoError(env, -ur, "uv_poll").Value());
    w->deferred = nullptr;
    CloseWaiter(w);
    return Napi::Value(env, promise);
  }
  napi_add_async_cleanup_hook(env, OnEnvCleanup, w, &w->hook);
  return Napi::Value(env, promise);
}

}  // namespace

// ---- probeAccess ---------------------------------------------------------------------------

namespace {

struct ProbeArgs {
  volatile uint8_t* start;
  uint64_t length;
  int64_t op;
  int64_t value;
  int out;
};

void ProbeBody(void* arg) {
  const ProbeArgs* a = static_cast<const ProbeArgs*>(arg);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  uint8_t first = 0;
  for (uint64_t i = 0; i < a->length; i++) {
    uint8_t b;
    if (a->op == 0) {
      b = a->start[i];
    } else {
      b = a->value < 0 ? a->start[i] : static_cast<uint8_t>(a->value);
      a->start[i] = b;
    }
    if (i == 0) first = b;
  }
  ssize_t w = write(a->out, &first, 1);
  (void)w;
  _exit(0);
}

}  // namespace

// probeAccess(handle, offset, length, op, value) -> Promise<{ pid, code, signal, value }>
// op 0: read every byte of [offset, offset+length) relative to the mapping's first byte;
// op 1: write `value` to each (value < 0: write back the byte already there).
// The range may lie past the mapping: that is the point of the experiments. The child is
// waited for on the event loop, like waitChild.
static Napi::Value ProbeAccess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int64_t offset, op, value;
  uint64_t length;
  if (!ReadInt(info[1], "offset", &offset) || !ReadSize(info[2], "length", &length) ||
      !ReadInt(info[3], "op", &op) || !ReadInt(info[4], "value", &value))
    return env.Undefined();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ThrowErrno(env, errno, "pipe");
    return env.Undefined();
  }
  ProbeArgs args = {s->data() + offset, length, op, value, fds[1]};
  ChildSpec spec;
  spec.keep = &fds[1];
  spec.keepCount = 1;
  spec.body = ProbeBody;
  spec.arg = &args;
  pid_t pid = ForkChild(spec);
  int forkErr = errno;
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ThrowErrno(env, forkErr, "fork");
    return env.Undefined();
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return StartWait(env, pid, fds[0]);
}

// ---- forkSignalReader ------------------------------------------------------------------------

void ChildAwaitSignal(int signo) {
  sigset_t wait;
  sigemptyset(&wait);
  sigaddset(&wait, signo);
  sigprocmask(SIG_SETMASK, &wait, nullptr);  // only the wake-up signal stays blocked (and pending)
  int got = 0;
  while (sigwait(&wait, &got) != 0) {
  }
}

bool ChildWriteAll(int fd, const uint8_t* p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        poll(&pf, 1, -1);
        continue;
      }
      return false;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

namespace {

struct ReaderArgs {
  int signo;
  int outFd;
  int reportFd;
  uint64_t* length;  // the payload's length word
  uint8_t* data;     // the payload's first byte
  size_t capacity;   // bytes from data to the mapping's end
};

void ReaderBody(void* arg) {
  const ReaderArgs* a = static_cast<const ReaderArgs*>(arg);
  ChildAwaitSignal(a->signo);
  uint64_t len = __atomic_load_n(a->length, __ATOMIC_ACQUIRE);
  if (len > a->capacity) len = a->capacity;
  bool ok = ChildWriteAll(a->outFd, a->data, len);
  if (a->reportFd >= 0) ChildWriteAll(a->reportFd, reinterpret_cast<uint8_t*>(&len), sizeof len);
  _exit(ok ? 0 : 1);
}

bool CheckOpen(Napi::Env env, int fd, const char* what) {
  if (fd < 0 || fcntl(fd, F_GETFD) >= 0) return true;
  ThrowErrno(env, errno, "fcntl", what);
  return false;
}

}  // namespace

// forkSignalReader(handle, signo, outFd, reportFd, lengthOffset, dataOffset) -> pid
// The child waits in sigwait(signo); when woken it reads a native uint64 length at
// lengthOffset of the mapping, writes that many bytes from dataOffset (at most to the
// mapping's end) to outFd, writes the length it saw (uint64) to reportFd (if >= 0), and
// exits 0 (1 if a write failed). The caller chooses the layout.
// It keeps only outFd and reportFd open and dies with this process (see ForkChild).
static Napi::Value ForkSignalReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int64_t signo;
  int outFd, reportFd;
  if (!ReadInt(info[1], "signal", &signo) || !ReadFd(info[2], "outFd", &outFd) ||
      !ReadFd(info[3], "reportFd", &reportFd, true))
    return env.Undefined();
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "signal cannot be waited for");
    return env.Undefined();
  }
  uint64_t lengthOffset, dataOffset;
  if (!ReadSize(info[4], "lengthOffset", &lengthOffset) || !ReadSize(info[5], "dataOffset", &dataOffset))
    return env.Undefined();
  if (lengthOffset % 8 != 0 || lengthOffset > s->length || s->length - lengthOffset < 8) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "lengthOffset must be a multiple of 8 with its 8 bytes inside the mapping");
    return env.Undefined();
  }
  if (dataOffset > s->length) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "dataOffset lies outside the mapping");
    return env.Undefined();
  }
  if (!CheckOpen(env, outFd, "output") || !CheckOpen(env, reportFd, "report output")) return env.Undefined();
  ReaderArgs args = {static_cast<int>(signo), outFd, reportFd, reinterpret_cast<uint64_t*>(s->data() + lengthOffset),
                     s->data() + dataOffset, s->length - dataOffset};
  int keep[2] = {outFd, reportFd};
  ChildSpec spec;
  spec.keep = keep;
  spec.keepCount = 2;
  spec.body = ReaderBody;
  spec.arg = &args;
  pid_t pid = ForkChild(spec);
  if (pid < 0) {
    ThrowErrno(env, errno, "fork");
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}

// waitChild(pid) -> Promise<{ pid, code, signal }>: waits for exactly this child without
// blocking any thread (pidfd watched by the event loop). Rejects with ECHILD if pid is not
// a child of this process (or was reaped by someone else): a failed wait is never "exit 0".
static Napi::Value WaitChild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid;
  if (!ReadPid(info[0], "pid", &pid)) return env.Undefined();
  return StartWait(env, pid, -1);
}

void InitFork(Napi::Env env, Napi::Object exports) {
  exports.Set("probeAccess", Napi::Function::New(env, ProbeAccess, "probeAccess"));
  exports.Set("forkSignalReader", Napi::Function::New(env, ForkSignalReader, "forkSignalReader"));
  exports.Set("waitChild", Napi::Function::New(env, WaitChild, "waitChild"));
}

}  // namespace mm
