// File descriptor I/O that the tools need beyond node:fs: open with errno-shaped errors,
// write(2)/read(2) loops that wait out EAGAIN on non-blocking pipes, flock, fallocate.
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

namespace mm {

static bool WaitFd(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  for (;;) {
    int r = poll(&p, 1, -1);
    if (r >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// Gets (pointer, length) of a TypedArray/Buffer/ArrayBuffer argument.
static bool Bytes(const Napi::Value& v, uint8_t** data, size_t* len) {
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    Napi::ArrayBuffer ab = t.ArrayBuffer();
    *data = static_cast<uint8_t*>(ab.Data()) + t.ByteOffset();
    *len = t.ByteLength();
    return true;
  }
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    *data = static_cast<uint8_t*>(ab.Data());
    *len = ab.ByteLength();
    return true;
  }
  ThrowCode(v.Env(), "ERR_INVALID_ARG_TYPE", "expected a Buffer, TypedArray or ArrayBuffer");
  return false;
}

// openFd(path, flags, mode) -> fd
static Napi::Value OpenFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int64_t flags, mode;
  if (!ReadInt(info[1], "flags", &flags) || !ReadInt(info[2], "mode", &mode)) return env.Undefined();
  int fd;
  do fd = open(path.c_str(), static_cast<int>(flags) | O_CLOEXEC, static_cast<mode_t>(mode));
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ThrowErrno(env, errno, "open", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// writeAll(fd, bytes, path?) -> bytes written. Writes straight from the given memory, which
// may be a mapping: a page that cannot be read (a truncated file) comes back as EFAULT/EIO.
static Napi::Value WriteAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  uint8_t* data;
  size_t len;
  if (!ReadInt(info[0], "fd", &fd) || !Bytes(info[1], &data, &len)) return env.Undefined();
  std::string path = OptString(info, 2);
  size_t done = 0;
  while (done < len) {
    size_t chunk = len - done;
    if (chunk > (1u << 30)) chunk = 1u << 30;
    ssize_t n = write(static_cast<int>(fd), data + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && WaitFd(static_cast<int>(fd), POLLOUT)) continue;
      ThrowErrno(env, errno, "write", path);
      return env.Undefined();
    }
    done += static_cast<size_t>(n);
  }
  return Napi::Number::New(env, static_cast<double>(done));
}

// readSome(fd, bytes) -> bytes read (0 at end of input); waits when a pipe is empty.
static Napi::Value ReadSome(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  uint8_t* data;
  size_t len;
  if (!ReadInt(info[0], "fd", &fd) || !Bytes(info[1], &data, &len)) return env.Undefined();
  std::string path = OptString(info, 2);
  for (;;) {
    ssize_t n = read(static_cast<int>(fd), data, len);
    if (n >= 0) return Napi::Number::New(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN && WaitFd(static_cast<int>(fd), POLLIN)) continue;
    ThrowErrno(env, errno, "read", path);
    return env.Undefined();
  }
}

// reopenFd(fd, path, flags): open(path, flags) and dup2 the result onto fd, so fd stays taken
// (no later open can land on it) but now refers to path. Used to give a standard descriptor
// that was closed at start-up a replacement that fails every read or write with EBADF.
static Napi::Value ReopenFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd, flags;
  if (!ReadInt(info[0], "fd", &fd) || !info[1].IsString() || !ReadInt(info[2], "flags", &flags)) {
    if (!env.IsExceptionPending()) ThrowCode(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return env.Undefined();
  }
  std::string path = info[1].As<Napi::String>().Utf8Value();
  int tmp;
  do tmp = open(path.c_str(), static_cast<int>(flags) | O_CLOEXEC);
  while (tmp < 0 && errno == EINTR);
  if (tmp < 0) {
    ThrowErrno(env, errno, "open", path);
    return env.Undefined();
  }
  if (tmp != fd) {
    int r;
    do r = dup2(tmp, static_cast<int>(fd));  // dup2 clears O_CLOEXEC on the new descriptor
    while (r < 0 && errno == EINTR);
    int err = errno;
    close(tmp);
    if (r < 0) {
      ThrowErrno(env, err, "dup2", path);
      return env.Undefined();
    }
  }
  return env.Undefined();
}

// seek(fd, offset, whence) -> the new offset (lseek); whence is SEEK_SET/SEEK_CUR/SEEK_END.
static Napi::Value Seek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd, offset, whence;
  if (!ReadInt(info[0], "fd", &fd) || !ReadInt(info[1], "offset", &offset) || !ReadInt(info[2], "whence", &whence))
    return env.Undefined();
  std::string path = OptString(info, 3);
  off_t r = lseek(static_cast<int>(fd), static_cast<off_t>(offset), static_cast<int>(whence));
  if (r < 0) {
    ThrowErrno(env, errno, "lseek", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(r));
}

// flock(fd, op, path?) with op a LOCK_* combination.
static Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd, op;
  if (!ReadInt(info[0], "fd", &fd) || !ReadInt(info[1], "op", &op)) return env.Undefined();
  std::string path = OptString(info, 2);
  int r;
  do r = flock(static_cast<int>(fd), static_cast<int>(op));
  while (r != 0 && errno == EINTR);
  if (r != 0) ThrowErrno(env, errno, "flock", path);
  return env.Undefined();
}

// allocate(fd, offset, length, path?): posix_fallocate, so later stores through a mapping
// cannot hit a missing block (SIGBUS); a full filesystem answers ENOSPC here instead.
static Napi::Value Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  uint64_t off, len;
  if (!ReadInt(info[0], "fd", &fd) || !ReadSize(info[1], "offset", &off) || !ReadSize(info[2], "length", &len))
    return env.Undefined();
  std::string path = OptString(info, 3);
  if (len == 0) return env.Undefined();
  int r = posix_fallocate(static_cast<int>(fd), static_cast<off_t>(off), static_cast<off_t>(len));
  if (r != 0) ThrowErrno(env, r, "fallocate", path);
  return env.Undefined();
}

void InitIo(Napi::Env env, Napi::Object exports) {
  exports.Set("openFd", Napi::Function::New(env, OpenFd, "openFd"));
  exports.Set("writeAll", Napi::Function::New(env, WriteAll, "writeAll"));
  exports.Set("readSome", Napi::Function::New(env, ReadSome, "readSome"));
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("reopenFd", Napi::Function::New(env, ReopenFd, "reopenFd"));
  exports.Set("seek", Napi::Function::New(env, Seek, "seek"));
  exports.Set("allocate", Napi::Function::New(env, Allocate, "allocate"));
  Napi::Object c = exports.Get("constants").IsObject() ? exports.Get("constants").As<Napi::Object>() : Napi::Object::New(env);
  c.Set("LOCK_SH", Napi::Number::New(env, LOCK_SH));
  c.Set("LOCK_EX", Napi::Number::New(env, LOCK_EX));
  c.Set("LOCK_UN", Napi::Number::New(env, LOCK_UN));
  c.Set("LOCK_NB", Napi::Number::New(env, LOCK_NB));
  c.Set("SEEK_SET", Napi::Number::New(env, SEEK_SET));
  c.Set("SEEK_CUR", Napi::Number::New(env, SEEK_CUR));
  c.Set("SEEK_END", Napi::Number::New(env, SEEK_END));
  exports.Set("constants", c);
}

}  // namespace mm
