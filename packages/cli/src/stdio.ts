// Standard descriptors the way a C tool sees them. Node.js puts /dev/null, opened read-write,
// on any of fds 0-2 that was closed when it started (`mm-cat f >&-`), so a tool would write
// into the void and exit 0. (The tools' bins ask /bin/sh first, which can still tell a closed
// descriptor from a spawner's read-write /dev/null; see closedAtStart.) GNU tools say "Bad file descriptor" and exit 1 instead; to do the
// same, such a descriptor is swapped for a /dev/null that refuses the direction it is used in
// (stdin opened write-only, stdout read-only): every read or write then fails with EBADF,
// from JavaScript and native code alike, and the number stays taken so no file lands on it.
import { constants as fsConstants, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { decodeBytes, fromNodeError, hasRawBytes, isSystemError, reopenFd, systemError } from '@mm/core';
import { escapeText } from './text.js';

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
    return !!flags && (parseInt(flags[1], 8) & 3) === fsConstants.O_RDWR;
  } catch {
    return false;
  }
}

/**
 * Makes a stdin or stdout that was closed at start-up fail like a closed descriptor: reads
 * from stdin and writes to stdout then give EBADF ("Bad file descriptor").
 */
export function guardClosedStdio(): void {
  const closed = closedAtStart();
  try {
    if (closed(0)) reopenFd(0, '/dev/null', fsConstants.O_WRONLY);
    if (closed(1)) reopenFd(1, '/dev/null', fsConstants.O_RDONLY);
  } catch {
    // leave Node's /dev/null in place
  }
}

/**
 * Which standard descriptors were closed when the command started. A tool's bin starts in
 * /bin/sh, which can tell, and says so in MM_CLOSED_STDIO (`none`, `0`, `1` or `0,1`) before
 * it execs Node.js; that answer is taken (and removed, so child processes do not inherit it).
 * Without it (the bundle run as `node FILE`, or a test calling the CLI directly) the only
 * sign left is {@link looksClosedAtStart}.
 */
function closedAtStart(): (fd: number) => boolean {
  const told = process.env.MM_CLOSED_STDIO;
  if (told === undefined) return looksClosedAtStart;
  delete process.env.MM_CLOSED_STDIO;
  const fds = told.split(',');
  return (fd) => fds.includes(String(fd));
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

/**
 * The command-line arguments (after the script) that are not valid UTF-8, shown escaped
 * (`\xff`). Node.js decodes argv as UTF-8 and replaces such bytes with U+FFFD, so a name or
 * value given that way cannot reach the tool intact; the raw bytes are read from
 * /proc/self/cmdline (before `process.title` overwrites it).
 */
export function nonUtf8Arguments(): string[] {
  // Every byte that is not UTF-8 became U+FFFD: without one, there is nothing to look up.
  if (!process.argv.some((a, i) => i >= 2 && a.includes('\uFFFD'))) return [];
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return [];
  }
  if (!raw.includes(0xef) && !raw.some((b) => b >= 0x80)) return [];
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = raw.indexOf(0); i >= 0; start = i + 1, i = raw.indexOf(0, start)) parts.push(raw.subarray(start, i));
  const user = Math.max(0, process.argv.length - 2);
  return parts
    .slice(Math.max(0, parts.length - user))
    .map((b) => decodeBytes(b))
    .filter(hasRawBytes)
    .map(escapeText);
}

let stdoutMade = false;

/**
 * Calls `attach(stream)` when Node.js makes `process[name]`, or at once if it cannot tell
 * whether that happened. Node.js makes process.stdout and process.stderr on first use, and
 * making one loads the streams machinery (and `net` for a pipe): milliseconds of start-up
 * that a run writing through file descriptors ({@link writeOut}, native writes) never needs.
 */
export function whenStdioStreamMade(name: 'stdout' | 'stderr', attach: (stream: NodeJS.WriteStream) => void): void {
  const d = Object.getOwnPropertyDescriptor(process, name);
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the descriptor's getter, always called as get.call(process)
  const get = d?.get;
  if (!d || !get || !d.configurable) {
    if (name === 'stdout') stdoutMade = true;
    attach(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, name, d);
      if (name === 'stdout') stdoutMade = true;
      attach(stream);
      return stream;
    },
  });
}

/**
 * Writes `data` to standard output now: write(2) on fd 1 while process.stdout has not been
 * made (see {@link whenStdioStreamMade}), through process.stdout once it has (so the order
 * of what was written holds), and through it as well for what a non-blocking descriptor
 * would not take at once (EAGAIN). Other errors are thrown as Node.js reports them: EPIPE
 * when the reader left, EBADF, ENOSPC (`write error: …` in {@link runCli}'s message).
 */
export function writeOut(data: string | Uint8Array): void {
  if (stdoutMade) {
    process.stdout.write(data);
    return;
  }
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.length > 0) {
    let n: number;
    try {
      n = writeSync(1, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      process.stdout.write(bytes);
      return;
    }
    bytes = bytes.subarray(n);
  }
}
