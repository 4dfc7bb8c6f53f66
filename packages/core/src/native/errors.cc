// errno -> Node-style Error objects, and argument readers.
#include "common.h"
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>

namespace mm {

static const char* ErrnoName(int err) {
  switch (err) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF)
    E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV)
    E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY)
    E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(ERANGE) E(EDEADLK)
    E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOVERFLOW) E(EOPNOTSUPP)
    E(EDQUOT) E(ETIMEDOUT) E(ECONNRESET) E(ENOTCONN)
#undef E
    default: return nullptr;
  }
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  char buf[256];
  const char* desc = strerror_r(err, buf, sizeof buf);  // GNU variant returns the text
  std::string message = (path.empty() ? std::string(syscall) : path) + ": " + desc;
  Napi::Error e = Napi::Error::New(env, message);
  const char* name = ErrnoName(err);
  std::string code = name ? name : ("E" + std::to_string(err));
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  return e;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  ErrnoError(env, err, syscall, path).ThrowAsJavaScriptException();
}

void ThrowCode(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
}

bool ReadSize(const Napi::Value& v, const char* what, uint64_t* out) {
  Napi::Env env = v.Env();
  if (!v.IsNumber()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a number");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < 0 || std::floor(d) != d || d > 9007199254740991.0) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", std::string(what) + " must be a whole number from 0 to 2^53-1");
    return false;
  }
  *out = static_cast<uint64_t>(d);
  return true;
}

bool ReadInt(const Napi::Value& v, const char* what, int64_t* out) {
  Napi::Env env = v.Env();
  if (!v.IsNumber()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a number");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9007199254740991.0) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", std::string(what) + " must be a whole number");
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

// A whole number in [lo, hi]; anything else throws ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE
// with `range` in the message. Checked on the double, before any cast can truncate it.
static bool ReadBounded(const Napi::Value& v, const char* what, double lo, double hi, const char* range, int64_t* out) {
  Napi::Env env = v.Env();
  if (!v.IsNumber()) {
    ThrowCode(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a number");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", std::string(what) + " must be " + range);
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool ReadFd(const Napi::Value& v, const char* what, int* out, bool allowNone) {
  int64_t n;
  if (!ReadBounded(v, what, allowNone ? -1 : 0, INT_MAX,
                   allowNone ? "-1 or a file descriptor from 0 to 2^31-1" : "a file descriptor from 0 to 2^31-1", &n))
    return false;
  *out = static_cast<int>(n);
  return true;
}

bool ReadPid(const Napi::Value& v, const char* what, pid_t* out) {
  int64_t n;
  if (!ReadBounded(v, what, 1, INT_MAX, "a process id from 1 to 2^31-1", &n)) return false;
  *out = static_cast<pid_t>(n);
  return true;
}

bool ReadMode(const Napi::Value& v, const char* what, unsigned* out) {
  int64_t n;
  if (!ReadBounded(v, what, 0, 07777, "permission bits from 0 to 0o7777", &n)) return false;
  *out = static_cast<unsigned>(n);
  return true;
}

std::string OptString(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "";
}

static Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int64_t n;
  if (!ReadInt(info[0], "errno", &n)) return info.Env().Undefined();
  char buf[256];
  return Napi::String::New(info.Env(), strerror_r(static_cast<int>(n < 0 ? -n : n), buf, sizeof buf));
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
}

}  // namespace mm
