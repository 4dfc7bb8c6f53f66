// Range checks for the integers the native layer takes: fds, pids and permission bits are
// checked here (and again in C++) before any cast could truncate them to 32 bits.
import { MmError } from './errors.js';

/**
 * Throws ERR_OUT_OF_RANGE unless `fd` is a file descriptor number: a whole number from 0 to
 * 2^31-1 (`allowNone`: -1 too). Nothing is ever truncated to 32 bits: `2**32 + 1` is an
 * error, not fd 1.
 */
export function checkFd(fd: unknown, what = 'fd', allowNone = false): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < (allowNone ? -1 : 0) || fd > 0x7fffffff) {
    throw new MmError('ERR_OUT_OF_RANGE', `${what} must be a file descriptor from 0 to 2^31-1 (got ${String(fd)})`);
  }
  return fd;
}

/** Throws ERR_OUT_OF_RANGE unless `pid` is a process id: a whole number from 1 to 2^31-1. */
export function checkPid(pid: unknown, what = 'pid'): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff) {
    throw new MmError('ERR_OUT_OF_RANGE', `${what} must be a process id from 1 to 2^31-1 (got ${String(pid)})`);
  }
  return pid;
}

/** Throws ERR_OUT_OF_RANGE unless `mode` is permission bits from 0 to 0o7777. */
export function checkMode(mode: unknown, what = 'mode'): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new MmError('ERR_OUT_OF_RANGE', `${what} must be an octal permission like 0o644 (got ${String(mode)})`);
  }
  return mode;
}
