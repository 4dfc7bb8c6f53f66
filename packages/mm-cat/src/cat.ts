// The plain cat path: one input copied to the output. Regular files are mapped window by
// window and written out with write(2) straight from the mapped pages; everything that cannot
// be mapped (pipes, ttys, sockets, devices, procfs/sysfs files whose size is 0 or made up) is
// streamed with read(2). JavaScript never reads a mapped byte here, so a file truncated under
// us surfaces as a write error (EFAULT) instead of a SIGBUS that would kill the process.
import { readlinkSync, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { FileStat, fileStat, forEachWindow, isPseudoFileSystem, isSystemError, readSome, seek, systemError, writeAll, type SystemError } from '@mm/core';
import { closeInput, statInput } from '@mm/cli';
import { inputError, openOperand } from './input.js';
import { isOutputFile, OUTPUT_NAME, OutputError, writeOutput } from './output.js';

/** Options of {@link catFile}, {@link catFd} and `catFiles`. */
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

const DEFAULT_WINDOW = 32 * 1024 * 1024;
const DEFAULT_BUFFER = 128 * 1024;

let scratch: Buffer | undefined;
function buffer(size: number): Buffer {
  if (!scratch || scratch.length !== size) scratch = Buffer.allocUnsafe(size);
  return scratch;
}

/**
 * True for files whose size or contents the kernel makes up on each read (procfs reports
 * `st_size` 0, sysfs 4096): they are read, never mapped. Judged from the file system the
 * descriptor's file lives on (fstatfs(2): proc, sysfs, debugfs and the like), or, if the
 * kernel does not say, from the path it really refers to (`/proc/self/fd/N`).
 */
export function isPseudoFile(fd: number, name: string): boolean {
  let type = -1;
  try {
    type = fileStat(fd, name).fsType;
  } catch {
    // judge by the path
  }
  if (type !== -1) return isPseudoFileSystem(type);
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
export function choosePath(fd: number, name: string, st: FileStat | Stats): CatPath {
  if (st.isDirectory()) throw systemError(21 /* EISDIR */, 'read', name);
  if (!st.isFile() || st.size === 0) return 'streamed';
  const pseudo = st instanceof FileStat && st.fsType !== -1 ? st.onPseudoFileSystem() : isPseudoFile(fd, name);
  return pseudo ? 'streamed' : 'mapped';
}

/** One input being copied: where from, where to, and how. */
interface Copy {
  fd: number;
  /** The input's name in messages. */
  name: string;
  out: number;
  bufferSize: number;
  windowSize: number;
  populate: boolean;
}

/**
 * read(2) from the input until `skip` bytes are dropped and `limit` bytes are written (or EOF);
 * from the descriptor's offset, or with pread(2) from `position` when given.
 */
function stream(c: Copy, skip: number, limit: number, position?: number): number {
  const { fd, name, out } = c;
  const buf = buffer(c.bufferSize);
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
    now = fileStat(fd, name).size;
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
  let st: FileStat;
  try {
    st = statInput(fd, name);
  } catch (e) {
    throw inputError(e, name);
  }
  return copy(fd, name, st, options);
}

/** Opens `name` (`-` is stdin) and copies it to the output; see {@link catFd}. */
export function catFile(name: string, options: CatOptions = {}): CatFileResult {
  const input = openOperand(name);
  try {
    return copy(input.fd, name, input.stat, options);
  } finally {
    closeInput(input);
  }
}

/** Copies an input that fstat said is `st`. */
function copy(fd: number, name: string, st: FileStat | Stats, options: CatOptions): CatFileResult {
  const c: Copy = {
    fd,
    name,
    out: options.out ?? 1,
    bufferSize: options.bufferSize ?? DEFAULT_BUFFER,
    windowSize: options.windowSize ?? DEFAULT_WINDOW,
    populate: options.populate ?? true,
  };
  const offset = options.offset ?? 0;
  const limit = options.length ?? Number.MAX_SAFE_INTEGER;
  const how = choosePath(fd, name, st);
  if (how === 'mapped' && isOutputFile(st, c.out)) {
    const e = systemError(22, 'write', name);
    e.message = `${name}: input file is output file`;
    throw e;
  }
  if (how === 'streamed') return { path: how, bytes: stream(c, offset, limit) };
  // Like read(2), start at the descriptor's offset (stdin may have been read from already:
  // `{ read l; mm-cat; } < f`), and leave it after the last byte printed, as cat does.
  const base = currentOffset(fd);
  const result = catMapped(c, st.size, base + offset, limit);
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

/** Copies bytes `offset`.. of a regular file of `size` bytes through mapped windows. */
function catMapped(c: Copy, size: number, offset: number, limit: number): CatFileResult {
  const { fd, name, out } = c;
  const how: CatPath = 'mapped';
  if (offset >= size) return { path: how, bytes: stream(c, 0, limit, offset) };
  const end = Math.min(size, offset + Math.min(limit, size));
  let written = 0;
  try {
    const windows = { offset, length: Math.max(0, end - offset), windowSize: c.windowSize, populate: c.populate, advice: 'sequential' as const, name };
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
      return { path: 'streamed', bytes: stream(c, 0, limit, offset) };
    }
    throw inputError(e, name);
  }
  // Whatever lies past the size fstat reported (the file grew meanwhile) is read, like cat would.
  const tailFrom = Math.max(offset, size);
  if (written < limit) written += stream(c, 0, limit - written, tailFrom);
  return { path: how, bytes: written };
}
