/**
 * `mm-shm wait` and `mm-shm wake`: a 32-bit word of a shared-memory object used as a
 * cross-process latch or barrier from the shell, through futexes (see @mm/core's futexWait).
 * Also the doorbell mm-shm's writers ring: after a change they wake whoever sleeps on the
 * object's first word (offset 0), which is where `watch` sleeps.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { fromNodeError, futexWaitAsync, futexWake, isSystemError, MmError, openMapping, shmOpen } from '@mm/core';
import type { Mapping } from '@mm/core';
import { UsageError } from '@mm/cli';

/** Parses a word value: a decimal integer (signed or unsigned) or 0x hex that fits 32 bits; returned as a signed int32. */
export function parseWordValue(text: string, what = 'value'): number {
  const s = String(text).trim();
  let n: number;
  if (/^[+-]?\d+$/.test(s)) n = Number(s);
  else if (/^0x[0-9a-f]{1,8}$/i.test(s)) n = Number.parseInt(s.slice(2), 16);
  else throw new UsageError(`invalid ${what}: '${text}' is not a whole number`);
  if (!Number.isSafeInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new UsageError(`invalid ${what}: '${text}' does not fit 32 bits`);
  return n | 0;
}

/**
 * Maps the 32-bit word at `offset` of object `name` read-write and shared (a futex needs
 * both). The offset must be a multiple of 4 and the object long enough to hold the word.
 */
export function openWord(name: string, offset: number): Mapping {
  if (offset % 4 !== 0) throw new UsageError(`invalid offset: ${offset} is not a multiple of 4 (a futex word is 4-byte aligned)`);
  const h = shmOpen(name);
  try {
    let size: number;
    try {
      size = fstatSync(h.fd).size;
    } catch (e) {
      throw fromNodeError(e, h.name);
    }
    if (offset + 4 > size) throw new MmError('ERR_MM_SHORT', `${h.name}: no 32-bit word at offset ${offset}: the object is ${size} bytes`);
    return openMapping(h.fd, { access: 'rw', sharing: 'shared', offset, length: 4, name: h.name, noun: 'object' });
  } finally {
    closeSync(h.fd);
  }
}

/** Options of {@link waitWord}. */
export interface WaitWordOptions {
  /** Byte offset of the word (a multiple of 4). Default 0. */
  offset?: number;
  /** Sleep while the word holds this value. Default: its value when the wait starts. */
  while?: number;
  /** Sleep until the word holds this value (instead of `while`). */
  until?: number;
  /** Give up after this many milliseconds. Default: never. */
  timeout?: number;
  /** Stops the wait (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Re-read the word at least this often (ms), for writers that change it without a
   * wake-up (a C program that never calls FUTEX_WAKE, `printf > /dev/shm/NAME`). Default 1000.
   */
  recheck?: number;
}

/** How {@link waitWord} ended, with the word's value then (signed, as `od -t d4` shows it). */
export interface WaitWordResult {
  outcome: 'done' | 'timed-out' | 'stopped';
  value: number;
}

/**
 * Sleeps on the word until it stops holding `while` (or holds `until`), the timeout passes
 * or `signal` aborts. The check and the sleep are one step in the kernel, so a change made
 * at any moment is never missed; a wake-up that leaves the condition false is slept through.
 */
export async function waitWord(name: string, options: WaitWordOptions = {}): Promise<WaitWordResult> {
  const offset = options.offset ?? 0;
  const m = openWord(name, offset);
  // The word is read with pread, never through the mapping: another process cutting the
  // object short then makes a short read (an error message), not a SIGBUS.
  const h = shmOpen(name, { readOnly: true });
  try {
    const read = (): number => {
      const b = Buffer.alloc(4);
      let got: number;
      try {
        got = readSync(h.fd, b, 0, 4, offset);
      } catch (e) {
        throw fromNodeError(e, h.name);
      }
      if (got < 4) throw new MmError('ERR_MM_SHORT', `${h.name}: the object was cut short under the word at offset ${offset}`);
      return b.readInt32LE(0);
    };
    const until = options.until;
    const stay = until === undefined ? (options.while ?? read()) : undefined;
    const done = (v: number): boolean => (until !== undefined ? v === until : v !== stay);
    const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout;
    const recheck = options.recheck ?? 1000;
    for (;;) {
      const value = read();
      if (done(value)) return { outcome: 'done', value };
      if (options.signal?.aborted) return { outcome: 'stopped', value };
      const left = deadline - Date.now();
      if (left <= 0) return { outcome: 'timed-out', value };
      try {
        await futexWaitAsync(m, 0, value, { timeout: Math.min(left, recheck), signal: options.signal, ref: true });
      } catch (e) {
        if ((e as Error).name === 'AbortError') return { outcome: 'stopped', value: read() };
        if (isSystemError(e) && e.code === 'EFAULT') read(); // the page is gone: say so
        throw e;
      }
    }
  } finally {
    closeSync(h.fd);
    m.unmap();
  }
}

/** Options of {@link wakeWord}. */
export interface WakeWordOptions {
  /** Byte offset of the word (a multiple of 4). Default 0. */
  offset?: number;
  /** Wake at most this many waiters. Default: all. */
  count?: number;
  /** Store this value first (one atomic store). */
  set?: number;
  /** Add this to the word first (one atomic add, wrapping as a C int32). */
  add?: number;
}

/**
 * Optionally changes the word (`set` or `add`), then wakes up to `count` of the processes
 * sleeping on it (`mm-shm wait`, or any program in futex(2) on that word). Returns how many
 * were woken and the word's value after the change.
 */
export function wakeWord(name: string, options: WakeWordOptions = {}): { woken: number; value: number } {
  const m = openWord(name, options.offset ?? 0);
  try {
    const word = new Int32Array(m.buffer, 0, 1);
    if (options.set !== undefined) Atomics.store(word, 0, options.set);
    else if (options.add !== undefined) Atomics.add(word, 0, options.add);
    const value = Atomics.load(word, 0);
    return { woken: futexWake(m, 0, options.count ?? Infinity), value };
  } finally {
    m.unmap();
  }
}

/**
 * Rings the doorbell of an object after a change: wakes every process sleeping on its first
 * word (where `mm-shm watch` sleeps) and on the word at `offset`, rounded down to a multiple
 * of 4 (where `mm-shm wait --offset` may sleep). Best effort: an object too short to hold a
 * word, or that this process may not map read-write, is left alone.
 */
export function ringDoorbell(name: string, offset = 0): void {
  const words = new Set([0, offset - (offset % 4)]);
  for (const at of words) {
    let m: Mapping | undefined;
    try {
      m = openWord(name, at);
      futexWake(m, 0);
    } catch {
      // nobody can be sleeping on a word that is not there
    } finally {
      m?.unmap();
    }
  }
}
