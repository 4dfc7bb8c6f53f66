// Driving a native loop in chunks: each call runs natively for about `targetMs` and then
// hands control back, so between chunks the event loop can run signal handlers, timers and
// progress. The size of the next chunk follows from how long the last one took.

/** Resolves on the next turn of the event loop, after pending I/O and signal handlers. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Options of {@link ChunkSizer}. */
export interface ChunkSizerOptions {
  /** Steps in the first chunk. */
  first: number;
  /** Fewest steps in a chunk. */
  min: number;
  /** Most steps in a chunk. */
  max: number;
  /** Wished duration of one chunk in milliseconds. */
  targetMs: number;
  /** What a chunk that took no measurable time does to the size: `keep` it (default) or `double` it. */
  whenInstant?: 'keep' | 'double';
  /** The clock, in nanoseconds. Default `process.hrtime.bigint`. */
  clock?: () => bigint;
}

/**
 * Sizes the chunks of a native loop so each takes about `targetMs`: long enough to run at
 * native speed, short enough to notice a stop signal promptly.
 */
export class ChunkSizer {
  /** Steps to ask of the next chunk. */
  size: number;
  private readonly options: ChunkSizerOptions;

  constructor(options: ChunkSizerOptions) {
    this.options = options;
    this.size = options.first;
  }

  /**
   * Runs one chunk, `call(size)` (the call may do fewer steps, e.g. the last ones), timing
   * it; the next chunk's size is scaled by how far it was from `targetMs`.
   */
  run<T>(call: (size: number) => T): T {
    const clock = this.options.clock ?? (() => process.hrtime.bigint());
    const t0 = clock();
    const value = call(this.size);
    const ns = Number(clock() - t0);
    const { min, max, targetMs } = this.options;
    if (ns > 0) this.size = Math.round(Math.min(max, Math.max(min, (this.size * targetMs * 1e6) / ns)));
    else if (this.options.whenInstant === 'double') this.size = Math.min(max, this.size * 2);
    return value;
  }
}
