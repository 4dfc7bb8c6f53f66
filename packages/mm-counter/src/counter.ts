/**
 * The shared-file counter: a native-endian int32 (or int64) at offset 0 of a file, mapped
 * MAP_SHARED so every process mapping the file sees and changes the same memory — or
 * MAP_PRIVATE, so each process counts in its own copy-on-write page.
 */
import { constants as fs, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { allocate, fileStat, fromNodeError, futexWaitAsync, futexWake, incrementLoop, isSystemError, openFile, openMapping, systemError } from '@mm/core';
import { ChunkSizer, NumberFormatError, parseCount, statInput, yieldToEvents } from '@mm/cli';
import type { Mapping } from '@mm/core';

/** Width of the counter in bits: 32 (int32, 4 bytes, `od -t d4`) or 64 (int64, 8 bytes, `od -t d8`). */
export type Width = 32 | 64;

/** `none`: a separate load and store per increment (the lab's race). `atomic`: one atomic add. */
export type SyncMode = 'none' | 'atomic';

/** Options of {@link openCounter}. */
export interface OpenCounterOptions {
  /** Counter width. Default 32. */
  width?: Width;
  /** Map MAP_PRIVATE: increments stay in this process's copy and never reach the file. */
  private?: boolean;
}

/** Smallest and largest value of a signed integer of `width` bits. */
export function counterRange(width: Width): { min: bigint; max: bigint } {
  const half = 1n << BigInt(width - 1);
  return { min: -half, max: half - 1n };
}

/** Wraps `value` to a signed integer of `width` bits, as C's two's-complement arithmetic does. */
export function wrapTo(width: Width, value: bigint): bigint {
  return BigInt.asIntN(width, value);
}

/**
 * Parses a counter value for `--set`/`--add`: an optionally signed whole number, in plain
 * digits (any size; range-checked later against the width) or a count shorthand such as
 * `1e6`, `10M` or `-2K`. Throws {@link NumberFormatError} (a usage error) otherwise.
 */
export function parseCounterValue(text: string, what = 'value'): bigint {
  const s = String(text);
  const m = /^([+-]?)(.*)$/.exec(s)!;
  const sign = m[1] === '-' ? -1n : 1n;
  const body = m[2];
  if (/^\d+$/.test(body)) return sign * BigInt(body);
  if (body === '') throw new NumberFormatError(`invalid ${what}: '${text}'`);
  try {
    return sign * BigInt(parseCount(body, what));
  } catch (e) {
    if (e instanceof NumberFormatError) throw new NumberFormatError(e.message.replace(`'${body}'`, `'${text}'`));
    throw e;
  }
}

/** Throws a {@link NumberFormatError} unless `value` fits a signed counter of `width` bits. */
export function checkCounterValue(width: Width, value: bigint, what = 'value'): bigint {
  const { min, max } = counterRange(width);
  if (value < min || value > max) throw new NumberFormatError(`invalid ${what}: ${value} does not fit a ${width}-bit counter (${min}..${max})`);
  return value;
}

/** Result of one {@link Counter.count} run. */
export interface CountResult {
  /** The value seen just before the first increment. */
  start: bigint;
  /**
   * The value this run ended on: for `atomic` the result of its own last add, for `none` the
   * last value it stored (for a run of 0 increments, the current value).
   */
  end: bigint;
  /** Increments actually made (fewer than asked when the run was stopped). */
  done: number;
  /** Wall time of the loop in nanoseconds. */
  elapsedNs: number;
  /** True when the counter was seen to wrap past its largest value into the negatives. */
  wrapped: boolean;
  /** True when `signal` stopped the run early. */
  interrupted: boolean;
}

/** Options of {@link Counter.count}. */
export interface CountOptions {
  /** Increments to make. */
  count: number;
  /** `none` (racy) or `atomic`. */
  sync: SyncMode;
  /** Stops the run between two chunks when aborted (e.g. from a SIGINT handler). */
  signal?: AbortSignal;
  /** Called after every chunk with the increments done so far and the value reached. */
  onProgress?: (done: number, value: bigint) => void;
  /** Target duration of one native chunk in milliseconds. Default 25. */
  chunkMs?: number;
}

const FIRST_CHUNK = 1 << 20;
const MIN_CHUNK = 1 << 12;
const MAX_CHUNK = 2 ** 31;

/**
 * A counter in a mapped file. Increments run natively in chunks, with the event loop
 * turning between them; {@link Counter.get}, {@link Counter.set} and {@link Counter.add} are
 * single atomic operations (a real cross-process atomic on a shared mapping).
 */
export class Counter {
  /** The file (as given). */
  readonly file: string;
  /** Counter width in bits. */
  readonly width: Width;
  /** The mapping of the counter's bytes (MAP_SHARED unless opened private). */
  readonly mapping: Mapping;
  private readonly i32: Int32Array | undefined;
  private readonly i64: BigInt64Array | undefined;

  /** @internal Use {@link openCounter}. */
  constructor(file: string, width: Width, mapping: Mapping) {
    this.file = file;
    this.width = width;
    this.mapping = mapping;
    if (width === 32) this.i32 = new Int32Array(mapping.buffer, 0, 1);
    else this.i64 = new BigInt64Array(mapping.buffer, 0, 1);
  }

  /** True when this counter was mapped MAP_PRIVATE. */
  get private(): boolean {
    return this.mapping.sharing === 'private';
  }

  /** Atomically loads the value. Throws the mapping's fault error if the file shrank under it. */
  get(): bigint {
    const v = this.i32 ? BigInt(Atomics.load(this.i32, 0)) : Atomics.load(this.i64!, 0);
    this.mapping.check('being read');
    return v;
  }

  /** Atomically stores `value` (which must fit the width) and returns the value it replaced. */
  set(value: bigint): bigint {
    checkCounterValue(this.width, value);
    const previous = this.i32 ? BigInt(Atomics.exchange(this.i32, 0, Number(value))) : Atomics.exchange(this.i64!, 0, value);
    this.mapping.check('being written');
    this.wake();
    return previous;
  }

  /**
   * One atomic add of `delta` (which must fit the width); returns the value before and after
   * (wrapped as in C) and whether this add wrapped past the largest or smallest value.
   */
  add(delta: bigint): { before: bigint; after: bigint; wrapped: boolean } {
    checkCounterValue(this.width, delta, 'addend');
    const before = this.i32 ? BigInt(Atomics.add(this.i32, 0, Number(delta))) : Atomics.add(this.i64!, 0, delta);
    this.mapping.check('being written');
    const exact = before + delta;
    const after = wrapTo(this.width, exact);
    this.wake();
    return { before, after, wrapped: after !== exact };
  }

  /**
   * Wakes every process sleeping in {@link Counter.waitFor} (or in futex(2) on the counter's
   * first 32-bit word). Set, add and every chunk of a count call it; nothing to do when the
   * counter is private.
   */
  wake(): void {
    if (this.mapping.sharing !== 'shared') return;
    try {
      futexWake(this.mapping, 0);
    } catch (e) {
      // EFAULT: the file was cut short under the counter; the next access reports that.
      if (!isSystemError(e) || e.code !== 'EFAULT') throw e;
    }
  }

  /**
   * Sleeps (no CPU) until the counter is at least `target` and returns the value seen then.
   * It sleeps on a futex on the counter's first 32-bit word, woken by mm-counter's set, add
   * and count chunks; a writer that never wakes (the C reference, a plain store) is noticed
   * by a re-check every `recheckMs` (default 1000). Returns undefined when `signal` aborts.
   */
  async waitFor(target: bigint, options: { signal?: AbortSignal; recheckMs?: number } = {}): Promise<bigint | undefined> {
    const low = this.i32 ?? new Int32Array(this.mapping.buffer, 0, 1);
    for (;;) {
      if (options.signal?.aborted) return undefined;
      // The low word first: a change after this load makes the futex wait return at once.
      const word = Atomics.load(low, 0);
      const value = this.get();
      if (value >= target) return value;
      try {
        await futexWaitAsync(this.mapping, 0, word, { signal: options.signal, ref: true, timeout: options.recheckMs ?? 1000 });
      } catch (e) {
        if ((e as Error).name === 'AbortError') return undefined;
        throw e;
      }
    }
  }

  /**
   * Increments the counter `count` times in native code (`none`: volatile load then store,
   * `atomic`: lock-prefixed add), in chunks of about `chunkMs` each, yielding to the event
   * loop between chunks so signals, timers and progress can run. If the file shrinks under
   * the counter (another process truncates it), the run stops after the chunk with the
   * mapping's fault error (`FILE: file shrank to 0 bytes while counting`).
   */
  async count(options: CountOptions): Promise<CountResult> {
    const atomic = options.sync === 'atomic';
    const chunks = new ChunkSizer({ first: FIRST_CHUNK, min: MIN_CHUNK, max: MAX_CHUNK, targetMs: options.chunkMs ?? 25 });
    const t0 = process.hrtime.bigint();
    const start = this.get();
    let value = start;
    let done = 0;
    let wrapped = false;
    const half = 1n << BigInt(this.width - 1);
    while (done < options.count && !options.signal?.aborted) {
      let n = 0;
      const raw = chunks.run((size) => {
        n = Math.min(size, options.count - done);
        return incrementLoop(this.mapping, { width: this.width, atomic, count: n });
      });
      // Another process truncated the file: this chunk counted in a page of zeros, not the file.
      this.mapping.check('counting');
      const next = BigInt(raw);
      // A fall of more than half the range between two chunks is a wrap past the top, not a
      // lost update: a racing process can only set the counter back by what it missed.
      if (value - next > half) wrapped = true;
      value = next;
      done += n;
      this.wake();
      options.onProgress?.(done, value);
      if (done < options.count) await yieldToEvents();
    }
    if (done === 0) value = this.get();
    return { start, end: value, done, elapsedNs: Number(process.hrtime.bigint() - t0), wrapped, interrupted: done < options.count };
  }

  /** Unmaps the counter (safe to call twice). */
  close(): void {
    this.mapping.unmap();
  }
}

/** The file name that means standard input (a file opened by the shell: `mm-counter - <>FILE`). */
export const STDIN = '-';


/**
 * Opens (creating it when missing) and maps the counter in `file`: the first 4 (width 32) or
 * 8 (width 64) bytes; a longer file is fine, an empty one is grown with zeros and a shorter
 * non-empty one is refused (it is not a counter file). The file is
 * mapped before anything is written, so a directory, FIFO, `/proc` file or any file that cannot
 * be mapped is refused with a SystemError and left exactly as it was (a file this call
 * created is removed again). `-` is standard input, which must then be a regular file opened
 * for reading and writing (`mm-counter - <>FILE`).
 */
export function openCounter(file: string, options: OpenCounterOptions = {}): Counter {
  const width: Width = options.width ?? 32;
  const size = width / 8;
  const sharing = options.private ? 'private' : 'shared';
  const stdin = file === STDIN;
  let created = false;
  let readOnly = false;
  let fd: number;
  if (stdin) {
    fd = 0;
  } else {
    const base = fs.O_RDWR | fs.O_NONBLOCK;
    try {
      fd = openFile(file, base | fs.O_CREAT | fs.O_EXCL);
      created = true;
    } catch (e) {
      if (!isSystemError(e) || e.code !== 'EEXIST') throw e;
      try {
        fd = openFile(file, base);
      } catch (e2) {
        // A private mapping needs only read access: count in a copy of a file we may not write.
        if (!options.private || !isSystemError(e2) || !['EACCES', 'EPERM', 'EROFS', 'ETXTBSY'].includes(e2.code)) throw e2;
        fd = openFile(file, fs.O_RDONLY | fs.O_NONBLOCK);
        if (fileStat(fd, file).size === 0) {
          closeSync(fd);
          throw e2;
        }
        readOnly = true;
      }
    }
  }
  try {
    checkCounterFile(fd, file, size);
    const mapping = openMapping(fd, { access: 'rw', sharing, length: size, name: file });
    try {
      if (!readOnly && fileStat(fd, file).size < size) allocate(fd, 0, size, file);
    } catch (e) {
      mapping.unmap();
      throw fromNodeError(e, file);
    }
    return new Counter(file, width, mapping);
  } catch (e) {
    if (created) unlinkSync(file);
    throw e;
  } finally {
    if (!stdin) closeSync(fd);
  }
}

/** True when `fd` is open for writing only (stdin closed at start-up looks like that: see @mm/cli's stdio.ts). */
function writeOnly(fd: number): boolean {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return !!m && (parseInt(m[1], 8) & 3) === fs.O_WRONLY;
  } catch {
    return false;
  }
}

/**
 * Refuses what cannot hold a counter, naming `file`: stdin that is a pipe or device (ENODEV), and a
 * non-empty file shorter than the counter (growing it would change a file that is not one).
 */
function checkCounterFile(fd: number, file: string, size: number, refuseShort = true): void {
  const st = statInput(fd, file, { syscall: 'mmap' });
  if (file === STDIN && writeOnly(fd)) throw systemError(9 /* EBADF */, 'read', file); // `<&-`, as cat says
  if (!st.isFile() && file === STDIN) {
    // stdin as a pipe or terminal: say what `-` needs (a named FIFO is plain ENODEV below).
    const e = systemError(19 /* ENODEV */, 'mmap', file);
    e.message = `-: stdin is not a regular file (the counter lives in a file that can be mapped; give one with 'mm-counter - <>FILE')`;
    throw e;
  }
  if (refuseShort && st.size > 0 && st.size < size) {
    const e = systemError(22 /* EINVAL */, 'mmap', file);
    e.message = `${file}: ${st.size} byte${st.size === 1 ? '' : 's'}, shorter than a ${size * 8}-bit counter (${size} bytes); not a counter file? (an empty file starts at 0)`;
    throw e;
  }
}

/**
 * Reads the counter in `file` without creating or changing anything: an empty file reads
 * as 0, a file shorter than the counter as if padded with zero bytes. `-` is standard input.
 */
export function readCounter(file: string, width: Width = 32): bigint {
  const stdin = file === STDIN;
  const fd = stdin ? 0 : openFile(file, fs.O_RDONLY | fs.O_NONBLOCK);
  try {
    checkCounterFile(fd, file, width / 8, false);
    const mapping = openMapping(fd, { access: 'r', length: width / 8, name: file });
    try {
      if (fileStat(fd, file).size === 0) return 0n; // the page lies wholly past the end: touching it would be SIGBUS
      const value = width === 32 ? BigInt(Atomics.load(new Int32Array(mapping.buffer, 0, 1), 0)) : Atomics.load(new BigInt64Array(mapping.buffer, 0, 1), 0);
      mapping.check('being read'); // truncated between the fstat and the load
      return value;
    } finally {
      mapping.unmap();
    }
  } finally {
    if (!stdin) closeSync(fd);
  }
}
