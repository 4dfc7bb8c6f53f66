import { binding } from './native.js';
import { MmError } from './errors.js';
import type { Mapping } from './map.js';

/**
 * The loops load and store: a mapping that is read-only or PROT_NONE would be a SIGSEGV in
 * this process, so it is refused here (and the native side asks the kernel again before
 * each chunk) with ERR_MM_ACCESS.
 */
function checkWritable(mapping: Mapping, what: string): void {
  if (mapping.access !== 'rw' && mapping.access !== 'w') {
    throw new MmError('ERR_MM_ACCESS', `${what} needs a mapping that can be read and written (this one is ${mapping.access === 'none' ? 'PROT_NONE' : 'read-only'})`);
  }
}

/**
 * Runs a native loop; if the kernel says a word of an `rw` mapping cannot be reached
 * (ERR_MM_ACCESS: its page vanished because another process truncated the file), touches
 * the word from JavaScript, so core's SIGBUS handler puts a page of zeros there and counts
 * the fault, and runs the loop once more. The loop then works on that zero page as any
 * access would, and the caller's {@link Mapping.check} reports the shrink by name.
 */
function runOnLivePages<T>(mapping: Mapping, offsets: number[], run: () => T): T {
  try {
    return run();
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MM_ACCESS') throw e;
    const bytes = new Uint8Array(mapping.buffer);
    for (const o of offsets) if (o >= 0 && o < bytes.length) Atomics.load(bytes, o);
    return run();
  }
}

/** Options of {@link incrementLoop}. */
export interface IncrementOptions {
  /** Byte offset of the counter in the mapping (naturally aligned). Default 0. */
  offset?: number;
  /** 32 (int32) or 64 (int64). Default 32. */
  width?: 32 | 64;
  /**
   * false: the lab's racy increment — a separate load and store each time (volatile),
   * losing updates when processes race. true: one atomic add (lock xadd) each time.
   */
  atomic: boolean;
  /** Increments in this call; keep a call to tens of milliseconds and loop in JS. */
  count: number;
}

/**
 * Increments the native-endian integer at `offset` of a (shared) mapping `count` times in
 * native code and returns the last value this loop stored (or the current value when
 * `count` is 0): a number for width 32, a bigint for width 64. Signed wrap-around as in C.
 * The mapping must be writable (`rw`); otherwise ERR_MM_ACCESS, never a crash.
 */
export function incrementLoop(mapping: Mapping, options: IncrementOptions): number | bigint {
  checkWritable(mapping, 'incrementLoop');
  const offset = options.offset ?? 0;
  return runOnLivePages(mapping, [offset], () => binding.incrementLoop(mapping.handle, offset, options.width ?? 32, options.atomic, options.count));
}

/** Options of {@link addUntilStop}. */
export interface AddUntilStopOptions {
  /** Byte offset of the int32 word the loop adds to (naturally aligned). */
  offset: number;
  /** Byte offset of an int32 stop word: the loop ends once it is non-zero. */
  stopOffset: number;
  /** Added to the word per step (e.g. -1 or +1); int32 wrap-around as in C. */
  step: number;
  /** false: a separate load and store per step (racy between processes); true: one atomic add. */
  atomic: boolean;
  /** Most steps in this call; keep a call to milliseconds and loop in JS. */
  max: number;
}

/**
 * Adds `step` to the int32 word at `offset` up to `max` times in native code, reading the
 * stop word at `stopOffset` with acquire ordering before every step, and returns the steps
 * made: fewer than `max` once another thread or process set the stop word. The mapping
 * must be writable (`rw`); otherwise ERR_MM_ACCESS, never a crash.
 */
export function addUntilStop(mapping: Mapping, options: AddUntilStopOptions): number {
  checkWritable(mapping, 'addUntilStop');
  return runOnLivePages(mapping, [options.offset, options.stopOffset], () =>
    binding.addUntilStop(mapping.handle, options.offset, options.stopOffset, options.step, options.atomic, options.max),
  );
}
