// cat through a memory mapping: regular files are mapped window by window and written to the
// output with write(2) straight from the mapped pages; everything that cannot be mapped (pipes,
// ttys, sockets, devices, procfs/sysfs files whose size is 0 or made up) is streamed with read(2).
// JavaScript never reads a mapped byte here, so a file truncated under us surfaces as a write
// error (EFAULT) instead of a SIGBUS that would kill the process.
import { fstatSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { forEachWindow, fromNodeError, isSystemError, readSome, seek, systemError, writeAll, type SystemError } from '@mm/core';
import { closeInput, openInput, statInput, type Input } from '@mm/cli';

/** Options of {@link catFiles} and {@link catFile}. */
export interface CatOptions {
  /** First byte to print of each input (like `tail -c +N+1`). Default 0. */
  offset?: number;
  /** Most bytes to print of each input (like `head -c N`). Default: to the end. */
  length?: number;
  /** File descriptor to write to. Default 1 (stdout). */
  out?: number;
  /** Bytes per mapped window. Default 32 MiB. */
  windowSize?: number;
  /**
   * Fault each window's pages in when it is mapped (MAP_POPULATE), in one go, rather than one
   * fault per few pages during write(2). Default true: on virtual machines where page faults
   * are costly this halves the system time.
   */
  populate?: boolean;
  /** Bytes per read(2) when streaming. Default 128 KiB. */
  bufferSize?: number;
  /** Called with a ready-to-print message (`NAME: reason`) for each input that failed. */
  onError?: (message: string, error: unknown) => void;
}

/** How an input was copied: through mapped windows or with read(2). */
export type CatPath = 'mapped' | 'streamed';

/** Result of {@link catFile}. */
export interface CatFileResult {
  path: CatPath;
  /** Bytes written to the output. */
  bytes: number;
}

/**
 * A failure writing the output (full disk, broken pipe, bad descriptor): fatal for the whole
 * run, unlike a failure of one input. `cause` is the SystemError from write(2).
 */
export class OutputError extends Error {
  readonly code: string;
  readonly syscall = 'write';
  constructor(override readonly cause: SystemError) {
    super(cause.message);
    this.name = 'OutputError';
    this.code = cause.code;
  }
}

const DEFAULT_WINDOW = 32 * 1024 * 1024;
const DEFAULT_BUFFER = 128 * 1024;
const OUTPUT_NAME = 'write error';

let scratch: Buffer | undefined;
function buffer(size: number): Buffer {
  if (!scratch || scratch.length !== size) scratch = Buffer.allocUnsafe(size);
  return scratch;
}

/**
 * write(2)s `bytes` (which may be mapped memory) to `out`; any failure is the output's and
 * is thrown as an {@link OutputError}.
 */
export function writeOutput(out: number, bytes: Uint8Array): void {
  try {
    writeAll(out, bytes, OUTPUT_NAME);
  } catch (e) {
    throw isSystemError(e) ? new OutputError(e) : e;
  }
}

/**
 * True for files whose size or contents the kernel makes up on each read (procfs reports
 * `st_size` 0, sysfs 4096): they are read, never mapped. Judged from the path the
 * descriptor really refers to (`/proc/self/fd/N`), falling back to the given name.
 */
export function isPseudoFile(fd: number, name: string): boolean {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    real = name === '-' ? '' : resolve(name);
  }
  return /^\/(proc|sys)(\/|$)/.test(real);
}

/**
 * Decides how to copy an open input: `mapped` for a regular file with a real, non-zero size
 * outside procfs/sysfs; `streamed` for everything else (pipes, sockets, ttys, devices,
 * empty or pseudo files). Directories are refused with EISDIR.
 */
export function choosePath(fd: number, name: string, st: Stats): CatPath {
  if (st.isDirectory()) throw systemError(21 /* EISDIR */, 'read', name);
  if (st.isFile() && st.size > 0 && !isPseudoFile(fd, name)) return 'mapped';
  return 'streamed';
}

function inputError(e: unknown, name: string): unknown {
  if (e instanceof OutputError) return e;
  const err = fromNodeError(e, name);
  if (isSystemError(err) && err.path === undefined) {
    err.path = name;
    err.message = `${name}: ${err.message.replace(/^[^:]*: /, '')}`;
  }
  return err;
}

/** read(2) from the input until `skip` bytes are dropped and `limit` bytes are written (or EOF). */
function stream(fd: number, name: string, out: number, skip: number, limit: number, bufferSize: number, position?: number): number {
  const buf = buffer(bufferSize);
  let written = 0;
  let pos = position;
  while (written < limit) {
    let n: number;
    try {
      if (pos === undefined) {
        n = readSome(fd, skip > 0 ? buf.subarray(0, Math.min(buf.length, skip)) : buf.subarray(0, Math.min(buf.length, limit - written)), name);
      } else {
        n = readSync(fd, buf, 0, Math.min(buf.length, limit - written), pos);
        pos += n;
      }
    } catch (e) {
      throw inputError(e, name);
    }
    if (n === 0) break;
    if (skip > 0) {
      skip -= n;
      continue;
    }
    writeOutput(out, buf.subarray(0, n));
    written += n;
  }
  return written;
}

/** An input whose pages vanished while they were being written out (EFAULT/EIO from write(2)). */
function shrankError(fd: number, name: string, cause: SystemError, at: number): SystemError {
  let now = -1;
  try {
    now = fstatSync(fd).size;
  } catch {
    // keep the plain reason
  }
  const e = systemError(-cause.errno, 'write', name);
  if (now >= 0 && now < at) e.message = `${name}: file shrank to ${now} bytes while being read (${e.message.replace(/^[^:]*: /, '')})`;
  return e;
}

/**
 * Copies one already-open input to `out`, mapping it when it is a regular file and streaming
 * it otherwise. `name` is used in messages. Errors: a {@link SystemError} about the input
 * (the run may carry on with the next one) or an {@link OutputError} (it may not).
 */
export function catFd(fd: number, name: string, options: CatOptions = {}): CatFileResult {
  const out = options.out ?? 1;
  const offset = options.offset ?? 0;
  const limit = options.length ?? Number.MAX_SAFE_INTEGER;
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER;
  let st: Stats;
  try {
    st = statInput(fd, name);
  } catch (e) {
    throw inputError(e, name);
  }
  const how = choosePath(fd, name, st);
  if (how === 'mapped' && sameFile(st, out)) {
    const e = systemError(22, 'write', name);
    e.message = `${name}: input file is output file`;
    throw e;
  }
  if (how === 'streamed') return { path: how, bytes: stream(fd, name, out, offset, limit, bufferSize) };
  // Like read(2), start at the descriptor's offset (stdin may have been read from already:
  // `{ read l; mm-cat; } < f`), and leave it after the last byte printed, as cat does.
  const base = currentOffset(fd);
  const result = catMapped(fd, name, out, st, base + offset, limit, bufferSize, options);
  if (base + offset <= st.size || result.bytes > 0) moveOffset(fd, base + offset + result.bytes);
  return result;
}

function currentOffset(fd: number): number {
  try {
    return seek(fd, 0, 'current');
  } catch {
    return 0;
  }
}

function moveOffset(fd: number, to: number): void {
  try {
    seek(fd, to);
  } catch {
    // not seekable after all: nothing to leave behind
  }
}

function catMapped(fd: number, name: string, out: number, st: Stats, offset: number, limit: number, bufferSize: number, options: CatOptions): CatFileResult {
  const how: CatPath = 'mapped';
  const size = st.size;
  if (offset >= size) return { path: how, bytes: stream(fd, name, out, 0, limit, bufferSize, offset) };
  const end = Math.min(size, offset + Math.min(limit, size));
  let written = 0;
  try {
    const windows = { offset, length: Math.max(0, end - offset), windowSize: options.windowSize ?? DEFAULT_WINDOW, populate: options.populate ?? true, advice: 'sequential' as const, name };
    forEachWindow(fd, windows, (w, fileOffset) => {
      try {
        writeAll(out, w.bytes, OUTPUT_NAME);
      } catch (e) {
        if (isSystemError(e) && (e.code === 'EFAULT' || e.code === 'EIO')) throw shrankError(fd, name, e, fileOffset + w.length);
        throw isSystemError(e) ? new OutputError(e) : e;
      }
      written += w.length;
    });
  } catch (e) {
    if (e instanceof OutputError || (isSystemError(e) && e.syscall === 'write')) throw e;
    // The file system refused mmap before anything was written: read it instead.
    if (written === 0 && isSystemError(e) && ['ENODEV', 'EINVAL', 'EACCES', 'EPERM', 'EOPNOTSUPP'].includes(e.code)) {
      return { path: 'streamed', bytes: stream(fd, name, out, 0, limit, bufferSize, offset) };
    }
    throw inputError(e, name);
  }
  // Whatever lies past the size fstat reported (the file grew meanwhile) is read, like cat would.
  const tailFrom = Math.max(offset, size);
  if (written < limit) written += stream(fd, name, out, 0, limit - written, bufferSize, tailFrom);
  return { path: how, bytes: written };
}

let outStat: Stats | null | undefined;
function sameFile(st: Stats, out: number): boolean {
  if (outStat === undefined) {
    try {
      outStat = fstatSync(out);
    } catch {
      outStat = null;
    }
  }
  return !!outStat && outStat.isFile() && outStat.dev === st.dev && outStat.ino === st.ino && st.size > 0;
}

/** Opens `name` (`-` is stdin) and copies it to the output; see {@link catFd}. */
export function catFile(name: string, options: CatOptions = {}): CatFileResult {
  let input: Input;
  try {
    input = openInput(name);
  } catch (e) {
    throw inputError(e, name);
  }
  try {
    return catFd(input.fd, name, options);
  } finally {
    closeInput(input);
  }
}

/**
 * Concatenates `names` (none: stdin) to the output like `cat`: an input that fails is
 * reported through `onError` and skipped; a failing output ends the run by throwing.
 * Returns 0, or 1 if any input failed.
 */
export function catFiles(names: readonly string[], options: CatOptions = {}): number {
  let status = 0;
  outStat = undefined;
  for (const name of names.length ? names : ['-']) {
    try {
      catFile(name, options);
    } catch (e) {
      if (e instanceof OutputError) throw e.cause;
      if (!isSystemError(e)) throw e;
      status = 1;
      options.onError?.(e.message, e);
    }
  }
  return status;
}
