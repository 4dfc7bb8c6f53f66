// Standard descriptors the way a C tool sees them. Node.js puts /dev/null, opened read-write,
// on any of fds 0-2 that was closed when it started (`mm-cat f >&-`), so a tool would write
// into the void and exit 0. GNU tools say "Bad file descriptor" and exit 1 instead; to do the
// same, such a descriptor is swapped for a /dev/null that refuses the direction it is used in
// (stdin opened write-only, stdout read-only): every read or write then fails with EBADF,
// from JavaScript and native code alike, and the number stays taken so no file lands on it.
import { constants as fsConstants, readFileSync, readlinkSync } from 'node:fs';
import { fromNodeError, isSystemError, systemError } from '../errors.js';
import { reopenFd } from '../io.js';

/**
 * True when `fd` is /dev/null opened read-write: what Node.js substitutes for a standard
 * descriptor that was closed at start-up. (A shell's `<>/dev/null` and a spawner that gives
 * a child a read-write /dev/null for stdout look the same; `>/dev/null` does not.)
 */
export function looksClosedAtStart(fd: number): boolean {
  try {
    if (readlinkSync(`/proc/self/fd/${fd}`) !== '/dev/null') return false;
    // the low two bits are the access mode (O_ACCMODE)
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return !!flags && (parseInt(flags[1]!, 8) & 3) === fsConstants.O_RDWR;
  } catch {
    return false;
  }
}

/**
 * Makes a stdin or stdout that was closed at start-up fail like a closed descriptor: reads
 * from stdin and writes to stdout then give EBADF ("Bad file descriptor").
 */
export function guardClosedStdio(): void {
  try {
    if (looksClosedAtStart(0)) reopenFd(0, '/dev/null', fsConstants.O_WRONLY);
    if (looksClosedAtStart(1)) reopenFd(1, '/dev/null', fsConstants.O_RDONLY);
  } catch {
    // leave Node's /dev/null in place
  }
}

/**
 * The message for a failed write to stdout, as GNU tools print it:
 * `write error: No space left on device`.
 */
export function writeErrorMessage(e: unknown): string {
  const err = fromNodeError(e);
  if (isSystemError(err) && typeof err.errno === 'number') return systemError(err.errno, 'write', 'write error').message;
  return `write error: ${e instanceof Error ? e.message : String(e)}`;
}
