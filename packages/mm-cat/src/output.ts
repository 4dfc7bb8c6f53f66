// The output side of mm-cat: write(2) to the output descriptor, and telling a failing output
// (fatal for the whole run) from a failing input (only that input is skipped).
import type { Stats } from 'node:fs';
import { fileStat, isSystemError, writeAll, type FileStat, type SystemError } from '@mm/core';

/** What a failing write(2) to the output is called in messages: `mm-cat: write error: …`. */
export const OUTPUT_NAME = 'write error';

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

// fstat of the output, taken once per run (on the first input that asks).
let outStat: FileStat | null | undefined;

/** Starts a new run: the next {@link isOutputFile} looks at the output afresh. */
export function forgetOutput(): void {
  outStat = undefined;
}

/** True when the input `st` describes is the regular file `out` writes to (`cat f >> f`). */
export function isOutputFile(st: FileStat | Stats, out: number): boolean {
  if (outStat === undefined) {
    try {
      outStat = fileStat(out);
    } catch {
      outStat = null;
    }
  }
  return !!outStat && outStat.isFile() && outStat.dev === st.dev && outStat.ino === st.ino && st.size > 0;
}
