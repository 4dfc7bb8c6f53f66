import { closeSync, ftruncateSync, openSync, constants as fsConstants } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { binding, type NativeMapHandle } from './native.js';
import { fileStat, type FileStat } from './stat.js';
import { MmError, fromNodeError, systemError, type SystemError } from './errors.js';
import { checkFd, checkMode } from './checks.js';

/** The addon's constants (PROT_*, MAP_*, MADV_*, the page size): asking loads the addon. */
const C = (): Record<string, number> => binding.constants;

/**
 * The size of a memory page in bytes (`sysconf(_SC_PAGESIZE)`), usually 4096. A function, so
 * that importing core does not load the addon (one `dlopen`) for a run that never maps.
 */
export function pageSize(): number {
  return C().pageSize;
}

/** Largest mapping that can be exposed as one ArrayBuffer/Buffer on this Node version. */
export const maxMappingLength: number = bufferConstants.MAX_LENGTH;

/**
 * Access a mapping gets, as `mmap`'s PROT_* flags: `r` PROT_READ, `rw` PROT_READ|PROT_WRITE,
 * `w` PROT_WRITE alone (on x86-64 the hardware still allows reads), `none` PROT_NONE.
 *
 * The protection is enforced by the hardware, as in C: a store into the `bytes` of an `r`
 * mapping, or any access to a `none` one, is a SIGSEGV that kills the process (no check can
 * stand in front of every typed-array store). Core's own calls check first (`incrementLoop`
 * and `addUntilStop` throw ERR_MM_ACCESS); to find out what an access would do, try it with
 * `probeAccess`, which makes it in a forked child.
 */
export type Access = 'r' | 'rw' | 'w' | 'none';

/** `shared` is MAP_SHARED (stores reach the file and other processes); `private` is MAP_PRIVATE (copy-on-write). */
export type Sharing = 'shared' | 'private';

/** Advice that never changes what the mapping contains (madvise). */
export type Advice = 'normal' | 'random' | 'sequential' | 'willneed' | 'hugepage' | 'nohugepage' | 'dontfork' | 'dofork' | 'dontdump' | 'dodump' | 'cold' | 'pageout' | 'populate';

/** Advice that may throw contents away (MADV_DONTNEED, MADV_FREE, MADV_REMOVE): kept apart on purpose. */
export type DestructiveAdvice = 'dontneed' | 'free' | 'remove';

/** A byte range inside a mapping; both default to the whole mapping. */
export interface Range {
  offset?: number;
  length?: number;
}

/** Options of {@link openMapping}. */
export interface MapFileOptions {
  /** First byte to map; any value, aligned down to a page internally. Default 0. */
  offset?: number;
  /**
   * Bytes to map. Default: from `offset` to the end of the file. May reach past the end:
   * touching those pages reads zeros and counts as a fault ({@link Mapping.check} throws),
   * where C would die of SIGBUS.
   */
  length?: number;
  /** PROT_* of the mapping. Default `r`. */
  access?: Access;
  /** MAP_SHARED or MAP_PRIVATE. Default `shared`. */
  sharing?: Sharing;
  /** Create the file if missing (O_CREAT). */
  create?: boolean;
  /** With `create`: grow the file to at least this many bytes (ftruncate). */
  size?: number;
  /** File mode for a created file: permission bits from 0 to 0o7777 (else ERR_OUT_OF_RANGE). Default 0o644. */
  mode?: number;
  /** MAP_POPULATE: fault every page in now. */
  populate?: boolean;
  /** Reserve one PROT_NONE page right after the mapping, so running off its end faults for certain. */
  guard?: boolean;
  /** Name used in error messages when `target` is an fd (default `fd N`). */
  name?: string;
  /** What the mapped thing is called in {@link Mapping.check}'s message: `file` (default) or e.g. `object` for shm. */
  noun?: string;
}

/** Options of {@link mapAnonymous}. */
export interface MapAnonymousOptions {
  /** MAP_SHARED (visible to forked children) or MAP_PRIVATE. Default `shared`. */
  sharing?: Sharing;
  /** Default `rw`. */
  access?: Access;
}

let protections: Record<Access, number> | undefined;
/** The PROT_* flags of an access mode. */
function prot(access: Access): number {
  if (!protections) {
    const c = C();
    protections = { r: c.PROT_READ, rw: c.PROT_READ | c.PROT_WRITE, w: c.PROT_WRITE, none: c.PROT_NONE };
  }
  return protections[access];
}

let advices: Record<Advice | DestructiveAdvice, number> | undefined;
/** Every piece of advice, with its MADV_* value. */
function adviceTable(): Record<Advice | DestructiveAdvice, number> {
  if (!advices) {
    const c = C();
    advices = {
      normal: c.MADV_NORMAL, random: c.MADV_RANDOM, sequential: c.MADV_SEQUENTIAL, willneed: c.MADV_WILLNEED,
      hugepage: c.MADV_HUGEPAGE, nohugepage: c.MADV_NOHUGEPAGE, dontfork: c.MADV_DONTFORK, dofork: c.MADV_DOFORK,
      dontdump: c.MADV_DONTDUMP, dodump: c.MADV_DODUMP, cold: c.MADV_COLD, pageout: c.MADV_PAGEOUT,
      // MADV_POPULATE_READ: fault the range in now, in one call, as MAP_POPULATE does for a whole mapping.
      populate: c.MADV_POPULATE_READ,
      dontneed: c.MADV_DONTNEED, free: c.MADV_FREE, remove: c.MADV_REMOVE,
    };
  }
  return advices;
}

/** The MADV_* value of a piece of advice. */
function adviceFlag(advice: Advice | DestructiveAdvice): number {
  return adviceTable()[advice];
}
const DESTRUCTIVE = new Set<string>(['dontneed', 'free', 'remove']);

/** Throws ERR_OUT_OF_RANGE unless `v` is a whole number in [0, 2^53-1]. */
export function checkSize(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new MmError('ERR_OUT_OF_RANGE', `${what} must be a whole number from 0 to 2^53-1 (got ${String(v)})`);
  }
  return v;
}

/** @internal Throws ERR_INVALID_ARG_VALUE unless `a` is an {@link Access}. */
export function checkAccess(a: unknown): Access {
  if (a === 'r' || a === 'rw' || a === 'w' || a === 'none') return a;
  throw new MmError('ERR_INVALID_ARG_VALUE', `access must be one of r, rw, w, none (got ${String(a)})`);
}

/** @internal Throws ERR_INVALID_ARG_VALUE unless `s` is a {@link Sharing}. */
export function checkSharing(s: unknown): Sharing {
  if (s === 'shared' || s === 'private') return s;
  throw new MmError('ERR_INVALID_ARG_VALUE', `sharing must be shared or private (got ${String(s)})`);
}

/**
 * The error {@link Mapping.check} throws when pages of a mapping vanished: a
 * {@link SystemError} (`code` `EFAULT` when the file or object shrank, `EIO` when a page
 * could not be read or stored for another reason, such as an I/O error or a full tmpfs)
 * that also tells the file's size at check time and how many pages were replaced by zeros.
 */
export interface MappingFaultError extends SystemError {
  /** The size of the file or object when checked (undefined when it cannot be known). */
  size?: number;
  /** Pages that vanished and were replaced by zeros. */
  faults: number;
}

/**
 * One live memory mapping. `bytes` and `buffer` are zero-copy views of the mapped memory.
 * After {@link Mapping.unmap} every view reads as length 0 and methods throw
 * `ERR_MM_UNMAPPED`; a mapping never unmapped is released when it is garbage-collected.
 *
 * **A file that shrinks under the mapping does not kill the process.** In C, touching a
 * mapped page past the new end of the file is a SIGBUS. Here core's SIGBUS handler puts a
 * page of zeros in its place, so the access completes (a load reads 0; a store goes to
 * that private page and never reaches the file), and counts the event in
 * {@link Mapping.faults}. Code that reads or writes `bytes` should call
 * {@link Mapping.check} after each batch of work, before trusting or printing what it read:
 *
 * ```ts
 * const m = openMapping('people.db');
 * const copy = Buffer.from(m.bytes.subarray(0, 4096)); // a batch
 * m.check('being read'); // throws "people.db: file shrank to 0 bytes while being read"
 * ```
 *
 * Stores into a read-only (`r`) or `none` mapping are not saved: they are a protection
 * fault (SIGSEGV) and end the process, as in C. See docs/architecture.md for what the
 * handler can and cannot save.
 */
export class Mapping {
  /** The mapped memory as an ArrayBuffer (length 0 once unmapped). */
  readonly buffer: ArrayBuffer;
  /** The mapped memory as a Buffer (length 0 once unmapped). Storing into it when {@link Access} is not `rw`/`w` is a crash, as in C. */
  readonly bytes: Buffer;
  /** Bytes in the mapping as requested (not rounded to pages). */
  readonly length: number;
  /** Offset in the file of the first byte (0 for anonymous memory). */
  readonly offset: number;
  /** Current protection. */
  access: Access;
  /** MAP_SHARED or MAP_PRIVATE. */
  readonly sharing: Sharing;
  /** The file or shared-memory name this maps, if any (used in messages). */
  readonly path: string | undefined;
  /** @internal */
  readonly handle: NativeMapHandle;
  /** @internal What the mapped thing is called in messages: `file` or `object` (shm). */
  readonly noun: string;

  /** @internal Use {@link openMapping}, {@link mapAnonymous} or `openShmMapping`. */
  constructor(raw: { handle: NativeMapHandle; buffer: ArrayBuffer }, info: { offset: number; access: Access; sharing: Sharing; path?: string; noun?: string }) {
    this.handle = raw.handle;
    this.noun = info.noun ?? 'file';
    this.buffer = raw.buffer;
    this.bytes = Buffer.from(raw.buffer);
    this.length = raw.buffer.byteLength;
    this.offset = info.offset;
    this.access = info.access;
    this.sharing = info.sharing;
    this.path = info.path;
  }

  /** False once {@link Mapping.unmap} ran (an empty mapping is never "mapped"). */
  get mapped(): boolean {
    return this.handle.isMapped();
  }

  /** Address of the first byte in this process (0n when empty or unmapped). */
  get address(): bigint {
    return this.handle.address();
  }

  /**
   * How many pages of this mapping vanished (the file or shm object shrank under it, or a
   * page could not be read) and were replaced by zeros. 0 for a healthy mapping, and always
   * 0 for anonymous memory. Reading it costs one native call; the count survives unmap().
   */
  get faults(): number {
    return this.handle.faults();
  }

  /**
   * Throws a {@link MappingFaultError} if any page of this mapping vanished since it was
   * made ({@link Mapping.faults} > 0), and does nothing otherwise. Call it after each batch
   * of reads or writes through `bytes` (and after native loops over the mapping): what a
   * batch read after a fault is zeros, not the file, and what it stored is lost.
   *
   * The message names the file and its size now, ready to print after the program's name:
   * `people.db: file shrank to 4096 bytes while being read` — `doing` is the end of that
   * sentence (default `in use`). A mapping that faulted stays broken: its vanished pages
   * stay zero even if the file grows again, and every later check throws; map it anew.
   */
  check(doing = 'in use'): void {
    const faults = this.handle.faults();
    if (faults === 0) return;
    const name = this.path ?? 'mapping';
    const size = this.handle.fileSize();
    const known = size >= 0;
    const shrank = !known || size < this.offset + this.length;
    const e = systemError(shrank ? 14 /* EFAULT */ : 5 /* EIO */, 'mmap', this.path) as MappingFaultError;
    e.message = shrank
      ? `${name}: ${this.noun} shrank${known ? ` to ${size} bytes` : ''} while ${doing}`
      : `${name}: ${faults === 1 ? 'a mapped page' : `${faults} mapped pages`} could not be read or stored while ${doing} (an I/O error, or no space left for it)`;
    if (known) e.size = size;
    e.faults = faults;
    throw e;
  }

  /** msync: write dirty pages of a range back to the file; `async` uses MS_ASYNC. */
  sync(options: Range & { async?: boolean } = {}): void {
    this.handle.sync(!!options.async, options.offset, options.length);
  }

  /** mprotect: change the protection of the whole mapping. */
  protect(access: Access): void {
    this.handle.protect(prot(checkAccess(access)));
    this.access = access;
  }

  /** madvise with advice that never changes contents (`sequential`, `willneed`, …). */
  advise(advice: Advice, range: Range = {}): void {
    if (DESTRUCTIVE.has(advice) || !(advice in adviceTable())) {
      throw new MmError('ERR_INVALID_ARG_VALUE', `advise() takes non-destructive advice; use discard() for ${advice}`);
    }
    this.handle.advise(adviceFlag(advice), range.offset, range.length);
  }

  /**
   * madvise with advice that may drop contents: `dontneed` (private/anonymous pages read
   * back as zeros), `free`, `remove` (punches a hole in the file or shm object).
   *
   * Only whole pages inside `range` are touched: the range is rounded inward to page
   * boundaries (in file terms), because the bytes sharing a page with its ends are not
   * part of the request. The last page of anonymous memory counts as whole when the range
   * reaches the mapping's end (nothing else lives in it). Returns the part of the mapping
   * that was discarded (`length` 0 for an empty range); throws an {@link MmError} with code
   * `ERR_MM_NO_WHOLE_PAGE` when the range holds no whole page, so nothing was discarded.
   */
  discard(advice: DestructiveAdvice, range: Range = {}): { offset: number; length: number } {
    if (!DESTRUCTIVE.has(advice)) throw new MmError('ERR_INVALID_ARG_VALUE', `discard() takes dontneed, free or remove (got ${advice})`);
    const done = this.handle.advise(adviceFlag(advice), range.offset, range.length);
    if (done === null || done === undefined) {
      const from = range.offset ?? 0;
      const to = range.length === undefined ? this.length : from + range.length;
      throw new MmError('ERR_MM_NO_WHOLE_PAGE', `${this.path ? `${this.path}: ` : ''}bytes ${from}..${to} of the mapping hold no whole ${pageSize()}-byte page; discard() only drops whole pages, so nothing was discarded`);
    }
    return { offset: done[0], length: done[1] };
  }

  /** mlock: keep the pages in RAM. */
  lock(): void {
    this.handle.lock();
  }

  /** munlock. */
  unlock(): void {
    this.handle.unlock();
  }

  /**
   * Unmaps, then detaches the buffer so no view can reach the memory. Safe to call twice.
   * The address range stays reserved (PROT_NONE) until the buffer's memory is released by
   * the garbage collector, so a write(2) still queued with the old bytes (e.g. an
   * `fs.write` in flight) fails with EFAULT instead of reading a newer mapping's memory.
   */
  unmap(): void {
    this.handle.unmap(this.buffer);
  }
}

function openFlags(access: Access, sharing: Sharing, create: boolean): number {
  const writable = sharing === 'shared' && (access === 'rw' || access === 'w');
  // O_NONBLOCK: opening a FIFO must not hang; it is then refused as unmappable.
  let flags = (writable || create ? fsConstants.O_RDWR : fsConstants.O_RDONLY) | fsConstants.O_NONBLOCK;
  if (create) flags |= fsConstants.O_CREAT;
  return flags;
}

/**
 * open(2) through node:fs (O_CLOEXEC, as libuv always adds), so that closing the fd with
 * fs.closeSync is clean in worker threads too (Node warns about fds it did not open there).
 */
function openPath(path: string, flags: number, mode: number): number {
  try {
    return openSync(path, flags, mode);
  } catch (e) {
    throw fromNodeError(e, path);
  }
}

function describe(fd: number, path: string | undefined): string {
  return path ?? `fd ${fd}`;
}

/** fstat of a file about to be mapped: EISDIR for a directory, ENODEV for anything but a regular file, named `name`. */
function statMappable(fd: number, name: string): FileStat {
  const st = fileStat(fd, name);
  if (st.isDirectory()) throw systemError(21 /* EISDIR */, 'mmap', name);
  if (!st.isFile()) throw systemError(19 /* ENODEV */, 'mmap', name);
  return st;
}

/**
 * Maps a file (by path or by an open fd, which stays open and yours) into memory.
 *
 * - `offset` may be any byte offset; the view starts exactly there.
 * - A zero-length range maps to an empty Mapping (mmap itself rejects length 0).
 * - Errors are {@link SystemError}s: ENOENT, EACCES, EISDIR (a directory), ENODEV (a FIFO,
 *   socket or other file that cannot be mapped), EINVAL (offset past the end of the file).
 */
export function openMapping(target: string | number, options: MapFileOptions = {}): Mapping {
  const access = checkAccess(options.access ?? 'r');
  const sharing = checkSharing(options.sharing ?? 'shared');
  const offset = checkSize(options.offset ?? 0, 'offset');
  if (options.length !== undefined) checkSize(options.length, 'length');
  if (options.size !== undefined) checkSize(options.size, 'size');
  const mode = checkMode(options.mode ?? 0o644);
  const path = typeof target === 'string' ? target : options.name;
  let fd: number;
  if (typeof target === 'number') {
    fd = checkFd(target);
  } else if (typeof target === 'string') {
    fd = openPath(target, openFlags(access, sharing, !!options.create), mode);
  } else {
    throw new MmError('ERR_INVALID_ARG_TYPE', 'target must be a path or a file descriptor');
  }
  try {
    return mapOpenFd(fd, path, { ...options, access, sharing, offset });
  } finally {
    if (typeof target === 'string') closeSync(fd);
  }
}

/** @internal Maps an already-open fd after checking what kind of file it is. */
export function mapOpenFd(fd: number, path: string | undefined, options: MapFileOptions & { access: Access; sharing: Sharing; offset: number }): Mapping {
  const name = describe(fd, path);
  const st = statMappable(fd, name);
  let size = st.size;
  if (options.size !== undefined && options.create && size < options.size) {
    try {
      ftruncateSync(fd, options.size);
    } catch (e) {
      throw fromNodeError(e, name);
    }
    size = options.size;
  }
  const offset = options.offset;
  if (offset > size) {
    const e = systemError(22 /* EINVAL */, 'mmap', name);
    e.message = `${name}: offset ${offset} is past the end of the file (${size} bytes)`;
    throw e;
  }
  const length = options.length ?? size - offset;
  if (length > maxMappingLength) {
    const e = systemError(27 /* EFBIG */, 'mmap', name);
    e.message = `${name}: ${length} bytes are more than one mapping can hold in this Node.js (at most ${maxMappingLength} bytes)`;
    throw e;
  }
  let flags = options.sharing === 'shared' ? C().MAP_SHARED : C().MAP_PRIVATE;
  if (options.populate) flags |= C().MAP_POPULATE;
  const raw = binding.mapFd(fd, offset, length, prot(options.access), flags, !!options.guard, name);
  return new Mapping(raw, { offset, access: options.access, sharing: options.sharing, path, noun: options.noun });
}

/** Maps zero-filled anonymous memory: `shared` survives into forked children, `private` is copied on write. */
export function mapAnonymous(length: number, options: MapAnonymousOptions = {}): Mapping {
  checkSize(length, 'length');
  if (length > maxMappingLength) throw new MmError('ERR_OUT_OF_RANGE', `length ${length} is larger than one buffer can be (${maxMappingLength})`);
  const access = checkAccess(options.access ?? 'rw');
  const sharing = checkSharing(options.sharing ?? 'shared');
  const raw = binding.mapAnonymous(length, prot(access), sharing === 'shared' ? C().MAP_SHARED : C().MAP_PRIVATE);
  return new Mapping(raw, { offset: 0, access, sharing });
}

/** Options of {@link forEachWindow}. */
export interface WindowOptions {
  /** Bytes per window, rounded up to whole pages. Default 64 MiB. */
  windowSize?: number;
  /** First byte of the file to visit. Default 0. */
  offset?: number;
  /** Bytes to visit. Default: to the end of the file (clipped to it). */
  length?: number;
  /** madvise for each window. Default `sequential`. */
  advice?: Advice;
  /** Map each window with MAP_POPULATE (fault it in at once: far fewer page faults). Default false. */
  populate?: boolean;
  /** Name used in error messages when `target` is an fd (default `fd N`). */
  name?: string;
}

/**
 * Walks a file in read-only shared mapped windows, for files larger than one ArrayBuffer.
 * `visit` gets each window and its file offset; each window is unmapped after `visit`
 * returns, so do not keep it. Return `false` to stop early. Returns the bytes visited.
 * If pages of a window vanished while `visit` ran (the file shrank), the walk ends with
 * that window's {@link Mapping.check} error; call `window.check()` inside `visit` to catch
 * it before using what was read.
 */
export function forEachWindow(target: string | number, options: WindowOptions, visit: (window: Mapping, fileOffset: number) => boolean | void): number {
  const page = pageSize();
  const windowSize = Math.max(page, Math.ceil(checkSize(options.windowSize ?? 64 * 1024 * 1024, 'windowSize') / page) * page);
  const start = checkSize(options.offset ?? 0, 'offset');
  const path = typeof target === 'string' ? target : options.name;
  const fd = typeof target === 'number' ? checkFd(target) : openPath(target, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK, 0);
  try {
    const size = statMappable(fd, describe(fd, path)).size;
    const end = Math.min(size, options.length === undefined ? size : start + checkSize(options.length, 'length'));
    let pos = start;
    while (pos < end) {
      const len = Math.min(windowSize - (pos % page), end - pos);
      const w = mapOpenFd(fd, path, { offset: pos, length: len, access: 'r', sharing: 'shared', populate: options.populate });
      try {
        w.advise(options.advice ?? 'sequential');
        const go = visit(w, pos);
        w.check('being read');
        if (go === false) {
          pos += len;
          break;
        }
      } finally {
        w.unmap();
      }
      pos += len;
    }
    return Math.max(0, pos - start);
  } finally {
    if (typeof target === 'string') closeSync(fd);
  }
}
