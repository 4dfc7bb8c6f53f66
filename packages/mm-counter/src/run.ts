/**
 * What `mm-counter` does once its command line is parsed: open the counter, run the
 * increments (with progress, Ctrl-C and the wrap note) or one of the one-liners, and print.
 */
import { listenForStop, ProgressBar, signalExitCode, useColor, warn, writeOut } from '@mm/cli';
import { checkCounterValue, counterRange, openCounter, readCounter } from './counter.js';
import type { CountResult, SyncMode, Width } from './counter.js';

const PROG = 'mm-counter';

/** Parsed command-line options of `mm-counter`. */
export interface CounterCliOptions {
  /** Increments to make (`-n`). */
  count: number;
  /** `--sync`. */
  sync: SyncMode;
  /** `--width`. */
  width: Width;
  /** `--private`: MAP_PRIVATE. */
  private?: boolean;
  /** `--get`. */
  get?: boolean;
  /** `--set N`. */
  set?: bigint;
  /** `--add N`. */
  add?: bigint;
  /** `--json`: one JSON object instead of the bare value. */
  json?: boolean;
  /** `--wait-for N`: after the run (if any), sleep until the counter is at least N. */
  waitFor?: bigint;
  /** True when the command line asked for increments (`-n`); with `--wait-for` alone none are made. */
  counting?: boolean;
}

/** Where the command writes its data (stdout unless a test passes another sink); notes go to stderr. */
export interface CounterIo {
  out: (text: string) => void;
}

const processIo: CounterIo = { out: (text) => writeOut(text) };

/** One JSON object on one line; bigints are written as exact JSON numbers. */
export function jsonLine(fields: Record<string, string | number | boolean | bigint>): string {
  const parts = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);
  return `{${parts.join(',')}}\n`;
}

/** The stderr note for a counter that wrapped around (C's signed overflow, as in the lab). */
export function wrapNote(file: string, width: Width, downward = false): string {
  const { min, max } = counterRange(width);
  const more = width === 32 ? '; use --width 64 for an int64 counter' : '';
  return downward
    ? `note: ${file}: the ${width}-bit counter wrapped below ${min} to positive values${more}`
    : `note: ${file}: the ${width}-bit counter wrapped past ${max} to negative values (a signed int${width}, like the lab's)${more}`;
}

/**
 * Runs `mm-counter FILE [options]` and returns the exit status: 0, or 128+N when signal N
 * (Ctrl-C: 130) stopped the run — the value reached is printed either way. Errors are thrown
 * (SystemError for the file, NumberFormatError for a value that does not fit) for the CLI
 * kit to report.
 */
export async function runCounter(file: string, options: CounterCliOptions, io: CounterIo = processIo): Promise<number> {
  const { width } = options;
  if (options.get) {
    const value = readCounter(file, width);
    io.out(options.json ? jsonLine({ file, width, value }) : `${value}\n`);
    return 0;
  }
  if (options.set !== undefined) checkCounterValue(width, options.set);
  if (options.add !== undefined) checkCounterValue(width, options.add, 'addend');
  if (options.waitFor !== undefined) checkCounterValue(width, options.waitFor);
  const counter = openCounter(file, { width, private: options.private });
  try {
    let status = 0;
    if (options.set !== undefined) {
      const previous = counter.set(options.set);
      if (options.json) io.out(jsonLine({ file, width, private: counter.private, previous, value: options.set }));
    } else if (options.add !== undefined) {
      const r = counter.add(options.add);
      if (r.wrapped) warn(PROG, wrapNote(file, width, options.add < 0n));
      io.out(options.json ? jsonLine({ file, width, private: counter.private, add: options.add, previous: r.before, value: r.after, wrapped: r.wrapped }) : `${r.after}\n`);
    } else if (options.waitFor === undefined || options.counting !== false) {
      status = await countWithSignals(counter, file, options, io);
    }
    if (options.waitFor === undefined || status !== 0) return status;
    return await waitWithSignals(counter, file, options.waitFor, options, io);
  } finally {
    counter.close();
  }
}

/**
 * `--wait-for N`: sleeps until the counter is at least N, prints the value seen then (when
 * nothing else was printed) and returns 0, or 128+N when a signal stopped the wait.
 */
async function waitWithSignals(counter: ReturnType<typeof openCounter>, file: string, target: bigint, options: CounterCliOptions, io: CounterIo): Promise<number> {
  const stop = listenForStop();
  let value: bigint | undefined;
  try {
    value = await counter.waitFor(target, { signal: stop.signal });
  } finally {
    stop.dispose();
  }
  if (value === undefined) {
    const caught = stop.caught;
    warn(PROG, `${caught ?? 'stopped'}: stopped waiting for ${target} (the counter is at ${counter.get()})`);
    return caught ? signalExitCode(caught) : 1;
  }
  const printed = options.set !== undefined ? options.json : options.add !== undefined || options.counting !== false;
  if (!printed) io.out(options.json ? jsonLine({ file, width: options.width, wait_for: target, value }) : `${value}\n`);
  return 0;
}

async function countWithSignals(counter: ReturnType<typeof openCounter>, file: string, options: CounterCliOptions, io: CounterIo): Promise<number> {
  const stop = listenForStop();
  const bar = useColor(2) ? new ProgressBar(`${PROG} ${options.sync}`, options.count) : undefined;
  const began = Date.now();
  let drawn = false;
  let result: CountResult;
  try {
    result = await counter.count({
      count: options.count,
      sync: options.sync,
      signal: stop.signal,
      onProgress: (done, value) => {
        if (!bar?.active || (!drawn && Date.now() - began < 500)) return;
        drawn = true;
        bar.update(done, `${value}`);
      },
    });
  } finally {
    stop.dispose();
    if (drawn) bar!.finish();
  }
  const caught = stop.caught;
  if (result.wrapped) warn(PROG, wrapNote(file, options.width));
  if (result.interrupted) warn(PROG, `${caught ?? 'stopped'}: stopped after ${result.done} of ${options.count} increments`);
  const elapsedMs = result.elapsedNs / 1e6;
  io.out(
    options.json
      ? jsonLine({
          file,
          count: result.done,
          sync: options.sync,
          width: options.width,
          private: counter.private,
          start: result.start,
          end: result.end,
          elapsed_ms: Number(elapsedMs.toFixed(3)),
          ns_per_increment: result.done ? Number((result.elapsedNs / result.done).toFixed(3)) : 0,
          wrapped: result.wrapped,
          interrupted: result.interrupted,
        })
      : `${result.end}\n`,
  );
  return result.interrupted && caught ? signalExitCode(caught) : 0;
}
