// File descriptor I/O that the tools need beyond node:fs: open with errno-shaped errors,
// write(2)/read(2)/vmsplice(2) loops that wait out EAGAIN on non-blocking pipes, flock,
// fallocate.
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cerrno>
#include <climits>
#include <string>

namespace mm {

static bool WaitFd(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  for (;;) {
    int r = poll(&p, 1, -1);
    if (r >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// Gets (pointer, length) of a TypedArray/Buffer/DataView/ArrayBuffer argument. The pointer
// comes from the view itself (napi_get_typedarray_info / napi_get_dataview_info), never from
// its buffer plus byteOffset: for a view over a SharedArrayBuffer, Node 20 gives no buffer
// data pointer, and null + byteOffset would be an address somewhere in this process.
static bool Bytes(const Napi::Value& v, uint8_t** data, size_t* len) {
  napi_env env = v.Env();
  void* p = nullptr;
  size_t n = 0;
  bool ok = false;
  if (v.IsTypedArray()) {
    napi_typedarray_type type;
    size_t count = 0;
    if (napi_get_typedarray_info(env, v, &type, &count, &p, nullptr, nullptr) == napi_ok) {
      n = v.As<Napi::TypedArray>().ByteLength();
      ok = true;
    }
  } else if (v.IsDataView()) {
    ok = napi_get_dataview_info(env, v, &n, &p, nullptr, nullptr) == napi_ok;
  } else if (v.IsArrayBuffer()) {
    ok = napi_get_arraybuffer_info(env, v, &p, &n) == napi_ok;
  }
  if (!ok || (p == nullptr && n != 0)) {
    ThrowCode(v.Env(), "ERR_INVALID_ARG_TYPE", "expected a Buffer, TypedArray, DataView or ArrayBuffer");
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  *len = n;
  return true;
}

// openFd(path, flags, mode) -> fd
static Napi::Value OpenFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int64_t flags;
  unsigned mode;
  if (!ReadInt(info[1], "flags", &flags) || !ReadMode(info[2], "mode", &mode)) return env.Undefined();
  if (flags < INT_MIN || flags > INT_MAX) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "flags must be open(2) flags");
    return env.Undefined();
  }
  int fd;
  do {
    fd = open(path.c_str(), static_cast<int>(flags) | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ThrowErrno(env, errno, "open", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// Hands all of `bytes` (info[1]) to fd (info[0]) with `step`, at most 1 GiB per call, waiting
// out EINTR and EAGAIN (a non-blocking descriptor); a failure names `syscall` and the path
// (info[2]). Returns the bytes taken.
template <typename Step>
static Napi::Value WriteLoop(const Napi::CallbackInfo& info, const char* syscall, Step step) {
  Napi::Env env = info.Env();
  int fd;
  uint8_t* data;
  size_t len;
  if (!ReadFd(info[0], "fd", &fd) || !Bytes(info[1], &data, &len)) return env.Undefined();
  std::string path = OptString(info, 2);
  size_t done = 0;
  while (done < len) {
    size_t chunk = len - done;
    if (chunk > (1u << 30)) chunk = 1u << 30;
    ssize_t n = step(fd, data + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && WaitFd(fd, POLLOUT)) continue;
      ThrowErrno(env, errno, syscall, path);
      return env.Undefined();
    }
    done += static_cast<size_t>(n);
  }
  return Napi::Number::New(env, static_cast<double>(done));
}

// writeAll(fd, bytes, path?) -> bytes written. Writes straight from the given memory, which
// may be a mapping: a page that cannot be read (a truncated file) comes back as EFAULT/EIO.
static Napi::Value WriteAll(const Napi::CallbackInfo& info) {
  return WriteLoop(info, "write", [](int fd, uint8_t* p, size_t n) { return write(fd, p, n); });
}

// spliceToPipe(fd, bytes, path?) -> bytes spliced. vmsplice(2) without SPLICE_F_GIFT: the
// pipe takes references to the pages of `bytes` (no copy), so the reader gets what those
// pages hold when it reads. Waits out EAGAIN on a non-blocking pipe. A page that cannot be
// read (a truncated file under a mapping) comes back as EFAULT; EBADF when fd is not a pipe.
static Napi::Value SpliceToPipe(const Napi::CallbackInfo& info) {
  return WriteLoop(info, "vmsplice", [](int fd, uint8_t* p, size_t n) {
    struct iovec iov = {p, n};
    return vmsplice(fd, &iov, 1, 0);
  });
}

// readSome(fd, bytes) -> bytes read (0 at end of input); waits when a pipe is empty.
static Napi::Value ReadSome(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint8_t* data;
  size_t len;
  if (!ReadFd(info[0], "fd", &fd) || !Bytes(info[1], &data, &len)) return env.Undefined();
  std::string path = OptString(info, 2);
  for (;;) {
    ssize_t n = read(fd, data, len);
    if (n >= 0) return Napi::Number::New(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN && WaitFd(fd, POLLIN)) continue;
    ThrowErrno(env, errno, "read", path);
    return env.Undefined();
  }
}

// growPipe(fd, bytes) -> the pipe's capacity afterwards, or 0 if fd is not a pipe.
// Asks the kernel (F_SETPIPE_SZ) for at least `bytes` when the pipe holds less; a refusal
// (EPERM past the user's share, or past pipe-max-size) keeps the old capacity.
static Napi::Value GrowPipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  uint64_t bytes;
  if (!ReadInt(info[0], "fd", &fd) || !ReadSize(info[1], "bytes", &bytes)) return env.Undefined();
  struct stat st;
  if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISFIFO(st.st_mode)) return Napi::Number::New(env, 0);
  int cur = fcntl(static_cast<int>(fd), F_GETPIPE_SZ);
  if (cur < 0) return Napi::Number::New(env, 0);
  if (static_cast<uint64_t>(cur) < bytes && bytes <= (1u << 30)) {
    int now = fcntl(static_cast<int>(fd), F_SETPIPE_SZ, static_cast<int>(bytes));
    if (now > 0) cur = now;
  }
  return Napi::Number::New(env, cur);
}

// reopenFd(fd, path, flags): open(path, flags) and dup2 the result onto fd, so fd stays taken
// (no later open can land on it) but now refers to path. Used to give a standard descriptor
// that was closed at start-up a replacement that fails every read or write with EBADF.
static Napi::Value ReopenFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int64_t flags;
  if (!ReadFd(info[0], "fd", &fd) || !info[1].IsString() || !ReadInt(info[2], "flags", &flags)) {
    if (!env.IsExceptionPending()) ThrowCode(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return env.Undefined();
  }
  std::string path = info[1].As<Napi::String>().Utf8Value();
  int tmp;
  do {
    tmp = open(path.c_str(), static_cast<int>(flags) | O_CLOEXEC);
  } while (tmp < 0 && errno == EINTR);
  if (tmp < 0) {
    ThrowErrno(env, errno, "open", path);
    return env.Undefined();
  }
  if (tmp != fd) {
    int r;
    do {
      r = dup2(tmp, fd);  // dup2 clears O_CLOEXEC on the new descriptor
    } while (r < 0 && errno == EINTR);
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
  int fd;
  int64_t offset, whence;
  if (!ReadFd(info[0], "fd", &fd) || !ReadInt(info[1], "offset", &offset) || !ReadInt(info[2], "whence", &whence))
    return env.Undefined();
  std::string path = OptString(info, 3);
  off_t r = lseek(fd, static_cast<off_t>(offset), static_cast<int>(whence));
  if (r < 0) {
    ThrowErrno(env, errno, "lseek", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(r));
}

// fstat(fd, out, path?): fstat(2) into `out`, a Float64Array of at least 14 numbers — mode,
// size, dev, ino, rdev, nlink, uid, gid, blksize, blocks, atime, mtime and ctime in
// milliseconds, and the file system's magic number from fstatfs(2) (-1 if that fails). One
// call and no object: the tools ask it on every start.
static Napi::Value Fstat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ReadFd(info[0], "fd", &fd)) return env.Undefined();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[1].As<Napi::TypedArray>().ElementLength() < 14) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", "out must be a Float64Array of at least 14 numbers");
    return env.Undefined();
  }
  Napi::Float64Array out = info[1].As<Napi::Float64Array>();
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ThrowErrno(env, errno, "fstat", OptString(info, 2));
    return env.Undefined();
  }
  auto ms = [](const struct timespec& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
  };
  double* o = out.Data();
  o[0] = st.st_mode;
  o[1] = static_cast<double>(st.st_size);
  o[2] = static_cast<double>(st.st_dev);
  o[3] = static_cast<double>(st.st_ino);
  o[4] = static_cast<double>(st.st_rdev);
  o[5] = static_cast<double>(st.st_nlink);
  o[6] = st.st_uid;
  o[7] = st.st_gid;
  o[8] = static_cast<double>(st.st_blksize);
  o[9] = static_cast<double>(st.st_blocks);
  o[10] = ms(st.st_atim);
  o[11] = ms(st.st_mtim);
  o[12] = ms(st.st_ctim);
  struct statfs sf;
  o[13] = fstatfs(fd, &sf) == 0 ? static_cast<double>(static_cast<unsigned long>(sf.f_type)) : -1;
  return env.Undefined();
}

// flock(fd, op, path?) with op a LOCK_* combination.
static Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int64_t op;
  if (!ReadFd(info[0], "fd", &fd) || !ReadInt(info[1], "op", &op)) return env.Undefined();
  if ((op & ~static_cast<int64_t>(LOCK_SH | LOCK_EX | LOCK_UN | LOCK_NB)) != 0) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "op must be a LOCK_* combination");
    return env.Undefined();
  }
  std::string path = OptString(info, 2);
  int r;
  do {
    r = flock(fd, static_cast<int>(op));
  } while (r != 0 && errno == EINTR);
  if (r != 0) ThrowErrno(env, errno, "flock", path);
  return env.Undefined();
}

// allocate(fd, offset, length, path?): posix_fallocate, so later stores through a mapping
// cannot hit a missing block (SIGBUS); a full filesystem answers ENOSPC here instead.
static Napi::Value Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t off, len;
  if (!ReadFd(info[0], "fd", &fd) || !ReadSize(info[1], "offset", &off) || !ReadSize(info[2], "length", &len))
    return env.Undefined();
  std::string path = OptString(info, 3);
  if (len == 0) return env.Undefined();
  int r = posix_fallocate(fd, static_cast<off_t>(off), static_cast<off_t>(len));
  if (r != 0) ThrowErrno(env, r, "fallocate", path);
  return env.Undefined();
}

void InitIo(Napi::Env env, Napi::Object exports) {
  exports.Set("openFd", Napi::Function::New(env, OpenFd, "openFd"));
  exports.Set("writeAll", Napi::Function::New(env, WriteAll, "writeAll"));
  exports.Set("spliceToPipe", Napi::Function::New(env, SpliceToPipe, "spliceToPipe"));
  exports.Set("readSome", Napi::Function::New(env, ReadSome, "readSome"));
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("growPipe", Napi::Function::New(env, GrowPipe, "growPipe"));
  exports.Set("reopenFd", Napi::Function::New(env, ReopenFd, "reopenFd"));
  exports.Set("seek", Napi::Function::New(env, Seek, "seek"));
  exports.Set("fstat", Napi::Function::New(env, Fstat, "fstat"));
  exports.Set("allocate", Napi::Function::New(env, Allocate, "allocate"));
  Napi::Object c = exports.Get("constants").IsObject() ? exports.Get("constants").As<Napi::Object>()
                                                      : Napi::Object::New(env);
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
