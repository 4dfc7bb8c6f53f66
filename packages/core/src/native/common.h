// Shared helpers for the mm core addon: errno errors shaped like Node's fs errors,
// argument readers, and the mapping handle every syscall family works on.
#pragma once
#include <napi.h>
#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

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
// Reads a file descriptor: a whole number from 0 to INT_MAX (never truncated to 32 bits).
// With allowNone, -1 ("no fd") is accepted too.
bool ReadFd(const Napi::Value& v, const char* what, int* out, bool allowNone = false);
// Reads a process id: a whole number from 1 to INT_MAX.
bool ReadPid(const Napi::Value& v, const char* what, pid_t* out);
// Reads permission bits for a new file: a whole number from 0 to 07777.
bool ReadMode(const Napi::Value& v, const char* what, unsigned* out);
// args[i] as a string if it is one, else "" (optional names for error messages).
std::string OptString(const Napi::CallbackInfo& info, size_t i);

// ---- Forked children -------------------------------------------------------------------
// Every child core forks is made by ForkChild, so each one gets the same hardening:
//  - it is forked from one long-lived native thread that has every signal blocked, so no
//    Node/V8 handler can run in the child, and PR_SET_PDEATHSIG (which fires when the
//    forking *thread* ends) fires only when the whole process ends, not when a worker
//    thread that asked for the child exits;
//  - it starts with every signal blocked; dispositions are reset to the default, except
//    that signals whose default is to be ignored (SIGCHLD, SIGURG, SIGWINCH, SIGCONT) get a
//    no-op handler, because setting SIG_DFL on them would discard one already pending: a
//    signal sent the instant ForkChild returns stays pending until the body unblocks or
//    sigwaits for it;
//  - every fd except those in `keep` is closed (close_range), so the child holds no epoll,
//    socket, eventfd or flock of the parent;
//  - no core dumps; with dieWithParent, SIGKILL when the parent process dies, and it exits
//    at once if the parent is already gone.
// ForkChild returns once the child has done all that (the body may still be starting).
// The body runs in the child with every signal blocked; it may only make async-signal-safe
// calls (no malloc, no locks, no JavaScript) and must end with _exit.
// Returns the pid, or -1 with errno set (fork's error).
struct ChildSpec {
  const int* keep = nullptr;  // fds the child needs (others are closed); -1 entries ignored; at most 32
  size_t keepCount = 0;
  bool dieWithParent = true;
  void (*body)(void* arg) = nullptr;
  void* arg = nullptr;
};
pid_t ForkChild(const ChildSpec& spec);

// Fault registry (fault.cc): the address ranges of live file and shm mappings, where the
// process-wide SIGBUS handler replaces a vanished page with zeros and counts the event.
struct FaultSlot;
// Installs the handler on first use; registers [start, start+length) with the protection a
// zero page put there gets. Never fails.
FaultSlot* RegisterFaultRange(void* start, size_t length, int prot);
// Removes the range (before it is unmapped); returns its final fault count.
uint64_t UnregisterFaultRange(FaultSlot* slot);
uint64_t FaultCount(const FaultSlot* slot);
void SetFaultProt(FaultSlot* slot, int prot);

// The state of one mapping, shared by the ArrayBuffer finalizer and the JS handle so
// that an explicit unmap and a later GC finalizer can never both call munmap.
struct MapState {
  uint8_t* base = nullptr;  // page-aligned address returned by mmap
  size_t mapLength = 0;     // bytes covered by mmap (including a guard page)
  size_t delta = 0;         // offset of the caller's first byte from base
  size_t length = 0;        // bytes the caller asked for
  bool mapped = false;      // true while base..base+mapLength is ours
  bool reserved = false;    // unmapped, but the range is still held PROT_NONE until the finalizer
  bool anonymous = false;   // MAP_ANONYMOUS: no file bytes share its pages
  FaultSlot* slot = nullptr;  // registered fault range (file and shm mappings)
  uint64_t faults = 0;      // fault count saved when the range was unregistered
  int64_t sizeAtUnmap = -1;  // the file's size when a mapping with faults was unmapped
  int fileFd = -1;          // O_PATH descriptor of the mapped file, to fstat its size now
  uint8_t* data() const { return base + delta; }
};

// Per-environment data of the addon (each worker thread has its own).
struct AddonData {
  Napi::FunctionReference mapHandle;
};

// JS handle around MapState (class "MapHandle" on the addon).
class MapHandle : public Napi::ObjectWrap<MapHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  // A new, empty handle from this environment's class.
  static Napi::Object Create(Napi::Env env);
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
  Napi::Value Faults(const Napi::CallbackInfo& info);
  Napi::Value FileSize(const Napi::CallbackInfo& info);
};

// write(2) all of a buffer from a forked child (async-signal-safe; waits out EAGAIN with poll).
bool ChildWriteAll(int fd, const uint8_t* p, size_t len);
// In a forked child: unblock nothing but `signo` and wait for it (sigwait); one already
// pending is taken at once.
void ChildAwaitSignal(int signo);

void InitMap(Napi::Env env, Napi::Object exports);
void InitShm(Napi::Env env, Napi::Object exports);
void InitIo(Napi::Env env, Napi::Object exports);
void InitFork(Napi::Env env, Napi::Object exports);
void InitLoops(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitErrors(Napi::Env env, Napi::Object exports);

}  // namespace mm
