// fork family: a forked child that tries one memory access (so a fault kills the child,
// not Node), a forked child that sleeps in sigwait and then writes a mapping to an fd,
// and an asynchronous waitpid for exactly one child.
//
// A forked child of a multi-threaded process may only make async-signal-safe calls, so
// every child here runs a few syscalls and _exit(); it never returns into JavaScript.
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>

namespace mm {

// In a fresh child: every signal back to its default action (Node and V8 install handlers
// for SIGSEGV, SIGBUS, SIGINT, ... that must not run in the child), no core dumps.
void ChildResetSignals() {
  struct sigaction sa = {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &sa, nullptr);
  }
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
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

// fork() with every signal blocked in this thread, so none of Node's handlers can run in the
// child before it resets them. The parent gets its mask back; the child keeps all blocked.
// errno is fork's.
pid_t ForkAllBlocked() {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) return 0;
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return pid;
}

static Napi::Object StatusObject(Napi::Env env, int pid, int status) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, pid));
  if (WIFSIGNALED(status)) {
    o.Set("code", env.Null());
    o.Set("signal", Napi::Number::New(env, WTERMSIG(status)));
  } else {
    o.Set("code", Napi::Number::New(env, WEXITSTATUS(status)));
    o.Set("signal", env.Null());
  }
  return o;
}

// probeAccess(handle, offset, length, op, value) -> { code, signal, value }
// op 0: read every byte of [offset, offset+length) relative to the mapping's first byte;
// op 1: write `value` to each (value < 0: write back the byte already there).
// The range may lie past the mapping: that is the point of the experiments.
static Napi::Value ProbeAccess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int64_t offset, op, value;
  uint64_t length;
  if (!ReadInt(info[1], "offset", &offset) || !ReadSize(info[2], "length", &length) ||
      !ReadInt(info[3], "op", &op) || !ReadInt(info[4], "value", &value))
    return env.Undefined();
  volatile uint8_t* start = s->data() + offset;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ThrowErrno(env, errno, "pipe");
    return env.Undefined();
  }
  pid_t pid = ForkAllBlocked();
  if (pid == 0) {
    ChildResetSignals();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    close(fds[0]);
    uint8_t first = 0;
    for (uint64_t i = 0; i < length; i++) {
      uint8_t b;
      if (op == 0) {
        b = start[i];
      } else {
        b = value < 0 ? start[i] : static_cast<uint8_t>(value);
        start[i] = b;
      }
      if (i == 0) first = b;
    }
    ssize_t w = write(fds[1], &first, 1);
    (void)w;
    _exit(0);
  }
  int forkErr = errno;
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ThrowErrno(env, forkErr, "fork");
    return env.Undefined();
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  uint8_t got = 0;
  ssize_t n;
  do n = read(fds[0], &got, 1);
  while (n < 0 && errno == EINTR);
  close(fds[0]);
  Napi::Object o = StatusObject(env, pid, status);
  o.Set("value", n == 1 ? Napi::Number::New(env, got) : env.Null());
  return o;
}

// forkSignalReader(handle, signo, outFd, reportFd) -> pid
// The child blocks in sigwait(signo); when woken it reads a native uint64 length from the
// first 8 bytes of the mapping, writes that many bytes from offset 16 to outFd, writes the
// length it saw (uint64) to reportFd (if >= 0), and exits 0 (1 if a write failed).
// It asks for SIGKILL when its parent dies, and checks right away that the parent is alive.
static Napi::Value ForkSignalReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MapState* s = MapHandle::Live(info, 0);
  if (!s) return env.Undefined();
  int64_t signo, outFd, reportFd;
  if (!ReadInt(info[1], "signal", &signo) || !ReadInt(info[2], "outFd", &outFd) ||
      !ReadInt(info[3], "reportFd", &reportFd))
    return env.Undefined();
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "signal cannot be waited for");
    return env.Undefined();
  }
  if (s->length < 16) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "mapping too small for the 16-byte header");
    return env.Undefined();
  }
  uint8_t* base = s->data();
  size_t capacity = s->length - 16;
  pid_t parent = getpid();
  pid_t pid = ForkAllBlocked();
  if (pid == 0) {
    ChildResetSignals();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    sigset_t wait;
    sigemptyset(&wait);
    sigaddset(&wait, static_cast<int>(signo));
    sigprocmask(SIG_SETMASK, &wait, nullptr);  // only the wake-up signal stays blocked
    int got = 0;
    while (sigwait(&wait, &got) != 0) {
    }
    uint64_t len = __atomic_load_n(reinterpret_cast<uint64_t*>(base), __ATOMIC_ACQUIRE);
    if (len > capacity) len = capacity;
    bool ok = ChildWriteAll(static_cast<int>(outFd), base + 16, len);
    if (reportFd >= 0) ChildWriteAll(static_cast<int>(reportFd), reinterpret_cast<uint8_t*>(&len), sizeof len);
    _exit(ok ? 0 : 1);
  }
  int forkErr = errno;
  if (pid < 0) {
    ThrowErrno(env, forkErr, "fork");
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}

// waitChild(pid) -> Promise<{ pid, code, signal }>: waitpid(pid) on a worker thread, so the
// event loop keeps running; only this pid is ever reaped.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, pid_t pid)
      : Napi::AsyncWorker(env, "mm-waitpid"), pid_(pid), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    for (;;) {
      pid_t r = waitpid(pid_, &status_, 0);
      if (r == pid_) return;
      if (r < 0 && errno == EINTR) continue;
      err_ = errno;
      return;
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) deferred_.Reject(ErrnoError(env, err_, "waitpid").Value());
    else deferred_.Resolve(StatusObject(env, pid_, status_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  pid_t pid_;
  int status_ = 0;
  int err_ = 0;
  Napi::Promise::Deferred deferred_;
};

static Napi::Value WaitChild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid;
  if (!ReadInt(info[0], "pid", &pid)) return env.Undefined();
  if (pid <= 0) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "pid must be positive");
    return env.Undefined();
  }
  auto* w = new WaitWorker(env, static_cast<pid_t>(pid));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

void InitFork(Napi::Env env, Napi::Object exports) {
  exports.Set("probeAccess", Napi::Function::New(env, ProbeAccess, "probeAccess"));
  exports.Set("forkSignalReader", Napi::Function::New(env, ForkSignalReader, "forkSignalReader"));
  exports.Set("waitChild", Napi::Function::New(env, WaitChild, "waitChild"));
}

}  // namespace mm
