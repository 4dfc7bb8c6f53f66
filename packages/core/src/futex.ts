import { binding } from './native.js';
import { Mapping } from './map.js';
import { MmError, isSystemError } from './errors.js';

/**
 * What a futex wait ended with (the words of `Atomics.wait`):
 * - `ok`: woken. The word may or may not differ now (see the caveats on {@link futexWait}).
 * - `not-equal`: the word already differed from `expected`; no sleep happened.
 * - `timed-out`: the timeout passed first.
 */
export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

/** Options of {@link futexWait}. */
export interface FutexWaitOptions {
  /** Milliseconds to wait at most (fractions allowed; 0 just checks). Default: no limit. */
  timeout?: number;
}

/** Options of {@link futexWaitAsync}. */
export interface FutexWaitAsyncOptions extends FutexWaitOptions {
  /** Cancels the wait: the promise rejects with an `AbortError` (`code` `ABORT_ERR`, `cause` the signal's reason). */
  signal?: AbortSignal;
  /**
   * Keep the event loop alive while the wait is pending, like a ref'd timer. Default false:
   * a pending wait alone never keeps the process from exiting.
   */
  ref?: boolean;
}

const RESULTS: readonly FutexWaitResult[] = ['ok', 'not-equal', 'timed-out'];

function checkWord(mapping: Mapping, offset: number, what: string): void {
  if (!(mapping instanceof Mapping)) throw new MmError('ERR_INVALID_ARG_TYPE', `${what}: expected a Mapping`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new MmError('ERR_OUT_OF_RANGE', `offset must be a whole number from 0 to 2^53-1 (got ${String(offset)})`);
  }
  if (mapping.sharing !== 'shared') {
    throw new MmError('ERR_MM_FUTEX_PRIVATE', `${mapping.path ?? 'mapping'}: a futex needs a shared mapping (a private mapping's word is not shared with other processes)`);
  }
  if (mapping.access !== 'rw') {
    throw new MmError('ERR_MM_FUTEX_ACCESS', `${mapping.path ?? 'mapping'}: a futex needs a read-write mapping (this one is ${mapping.access})`);
  }
  if (offset + 4 > mapping.length) {
    throw new MmError('ERR_OUT_OF_RANGE', `offset ${offset}: a 4-byte word there lies outside the mapping (${mapping.length} bytes)`);
  }
  if ((mapping.offset + offset) % 4 !== 0) {
    throw new MmError('ERR_MM_FUTEX_ALIGN', `offset ${offset}: a futex word must be 4-byte aligned in the file or object`);
  }
}

function checkExpected(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new MmError('ERR_OUT_OF_RANGE', `expected must be a 32-bit integer (got ${String(v)})`);
  }
  return v;
}

function checkTimeout(v: unknown): number | undefined {
  if (v === undefined || v === Infinity) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the message shows whatever the caller passed
    throw new MmError('ERR_OUT_OF_RANGE', `timeout must be 0 or more milliseconds (got ${String(v)})`);
  }
  return v;
}

/** Names the mapping's file or object in a system error from the addon (`futex: Bad address` → `/x: Bad address`). */
function withPath(mapping: Mapping, e: unknown): unknown {
  if (mapping.path !== undefined && isSystemError(e) && e.path === undefined) {
    e.message = e.message.replace(/^[^:]*:/, `${mapping.path}:`);
    e.path = mapping.path;
  }
  return e;
}

function abortError(reason: unknown): Error {
  const e = new Error('The operation was aborted', { cause: reason }) as Error & { code: string };
  e.name = 'AbortError';
  e.code = 'ABORT_ERR';
  return e;
}

/**
 * Sleeps until the 32-bit word at `offset` of a shared mapping is woken by
 * {@link futexWake} (or by any process calling `futex(FUTEX_WAKE)` on the same word of the
 * same file or shm object), or until `timeout` ms pass. If the word does not hold `expected`
 * when the kernel looks, returns `not-equal` at once: the comparison and the sleep are one
 * atomic step, so a change made just before the wait is never missed.
 *
 * This blocks the calling thread (the event loop too): use it for native-speed hand-offs
 * between processes, {@link futexWaitAsync} otherwise.
 *
 * Caveats, as for every futex:
 * - `ok` means "woken", not "changed": wake-ups can be spurious (another waiter's wake-up,
 *   a cancelled asynchronous wait on the same word, a waker that did not change the word)
 *   and the word can change again right after. Always re-read the word and wait again in a
 *   loop until it holds what you need.
 * - A wake-up only reaches those already asleep: change the word first, then wake.
 * - Only the 32-bit word is compared: a 64-bit counter is watched through its low half
 *   (at its offset on little-endian machines).
 * - Futexes here are shared ones (no FUTEX_PRIVATE_FLAG), keyed on the file or shm object and
 *   the offset, so C programs calling futex(2) on the same word interoperate both ways.
 *
 * The mapping must be `shared` (`ERR_MM_FUTEX_PRIVATE` otherwise) and `rw`
 * (`ERR_MM_FUTEX_ACCESS`), the word 4-byte aligned in the file (`ERR_MM_FUTEX_ALIGN`) and
 * inside the mapping (`ERR_OUT_OF_RANGE`). A page that is gone (the file was truncated) is
 * an `EFAULT` error, never a SIGBUS (for {@link futexWake} too).
 *
 * @param expected the value the word is expected to hold, signed or unsigned 32-bit.
 */
export function futexWait(mapping: Mapping, offset: number, expected: number, options: FutexWaitOptions = {}): FutexWaitResult {
  checkWord(mapping, offset, 'futexWait');
  const value = checkExpected(expected);
  const timeout = checkTimeout(options.timeout);
  try {
    return RESULTS[binding.futexWait(mapping.handle, offset, value, timeout)];
  } catch (e) {
    throw withPath(mapping, e);
  }
}

/**
 * The asynchronous {@link futexWait}: the event loop keeps running while a waiter thread of
 * core's own (never a libuv pool thread, so `fs` and `dns` are not starved; one per wait
 * pending at a time, reused by later waits) sleeps on the word.
 * Resolves to `ok`, `not-equal` or `timed-out`, with the same caveats: re-read the word and
 * wait again in a loop.
 *
 * - `signal` cancels it: the promise rejects with an `AbortError`. Cancelling wakes the thread
 *   through the same word, so other waiters on it may see a spurious `ok`.
 * - A pending wait does not keep the process alive unless `ref` is true; `process.exit()`,
 *   an uncaught exception or `Worker.terminate()` end it at once.
 * - Unmapping the mapping while the wait is pending is safe: the wait holds its own mapping
 *   of the word's page until it ends.
 */
export function futexWaitAsync(mapping: Mapping, offset: number, expected: number, options: FutexWaitAsyncOptions = {}): Promise<FutexWaitResult> {
  try {
    checkWord(mapping, offset, 'futexWaitAsync');
    checkExpected(expected);
    checkTimeout(options.timeout);
  } catch (e) {
    return Promise.reject(e);
  }
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal.reason));
  let started: { id: number; promise: Promise<string> };
  try {
    started = binding.futexWaitAsync(mapping.handle, offset, expected, checkTimeout(options.timeout), !!options.ref);
  } catch (e) {
    return Promise.reject(withPath(mapping, e));
  }
  const { id, promise } = started;
  let retry: ReturnType<typeof setInterval> | undefined;
  const onAbort = (): void => {
    binding.futexCancel(id);
    // A wake-up can land just before the waiter sleeps; repeat until the wait settles.
    retry = setInterval(() => binding.futexCancel(id), 5);
    retry.unref();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const done = (): void => {
    signal?.removeEventListener('abort', onAbort);
    if (retry) clearInterval(retry);
  };
  return promise.then(
    (r) => {
      done();
      if (r === 'cancelled') throw abortError(signal?.reason);
      return r as FutexWaitResult;
    },
    (e: unknown) => {
      done();
      throw withPath(mapping, e);
    },
  );
}

/**
 * Wakes up to `count` waiters (default: all) sleeping on the 32-bit word at `offset` — in
 * this process or any other, {@link futexWait}ers and C programs in futex(2) alike — and
 * returns how many were woken. Change the word before waking. Same checks as
 * {@link futexWait}.
 */
export function futexWake(mapping: Mapping, offset: number, count: number = Infinity): number {
  checkWord(mapping, offset, 'futexWake');
  if (count !== Infinity && (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)) {
    throw new MmError('ERR_OUT_OF_RANGE', `count must be a whole number or Infinity (got ${String(count)})`);
  }
  try {
    return binding.futexWake(mapping.handle, offset, count === Infinity ? 0x7fffffff : count);
  } catch (e) {
    throw withPath(mapping, e);
  }
}

/** Asynchronous futex waits still pending in this thread (diagnostics and tests). */
export function futexPendingWaits(): number {
  return binding.futexPending();
}
