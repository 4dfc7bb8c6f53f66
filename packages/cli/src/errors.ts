// Errors of a tool and their exit codes: one place that turns any error into a
// `PROG: message` line on stderr and an exit status.
//
// Exit codes: 0 ok · 1 runtime failure · 2 usage error · 128+N "died of signal N" ·
// 141 (128+SIGPIPE) when the reader of stdout went away, as `cat` would.
import { createRequire } from 'node:module';
import { fromNodeError, MmError } from '@mm/core';
import { NumberFormatError } from './units.js';
import { writeErrorMessage } from './stdio.js';

// commander is CommonJS: require() it directly, which loads measurably faster at start-up than
// going through the ESM wrapper (every tool pays this once per run).
const { CommanderError } = createRequire(import.meta.url)('commander') as typeof import('commander');

/** A usage error: bad option value, bad name, missing operand. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A runtime failure with a chosen exit code (e.g. 128+N for "died of signal N"). Printed unless `message` is empty. */
export class ToolError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'ToolError';
    this.exitCode = exitCode;
  }
}

/** Exit status when stdout's reader has gone (128 + SIGPIPE), as for GNU tools. */
export const EXIT_EPIPE = 141;

/** True for an EPIPE error (the reader of a pipe went away). */
export function isBrokenPipe(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPIPE';
}

/** Exit code for an error, per the table in this module's comment. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (isBrokenPipe(e)) return EXIT_EPIPE;
  if (e instanceof UsageError || e instanceof NumberFormatError) return 2;
  if (e instanceof MmError && (e.code === 'ERR_MM_BAD_NAME' || e.code === 'ERR_OUT_OF_RANGE' || e.code === 'ERR_INVALID_ARG_VALUE')) return 2;
  if (e instanceof ToolError) return e.exitCode;
  return 1;
}

/**
 * Prints `PROG: message` for an error on stderr — one line, no stack trace unless
 * MM_DEBUG=1 — and returns its exit code. Commander's own errors were printed already;
 * a broken pipe is silent.
 */
export function reportError(prog: string, e: unknown): number {
  const code = exitCodeFor(e);
  if (e instanceof CommanderError || isBrokenPipe(e)) return code;
  const message = e instanceof Error ? userMessage(e) : String(e);
  if (message) process.stderr.write(`${prog}: ${message}\n`);
  if (process.env.MM_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  if (e instanceof UsageError || e instanceof NumberFormatError || (e instanceof MmError && code === 2)) {
    process.stderr.write(`Try '${prog} --help' for more information.\n`);
  }
  return code;
}

/**
 * The text after `PROG: ` for an error. Node's own fs errors (`ENOSPC: no space left on
 * device, write`) are reworded the mm way (`NAME: Description`); a failed write that names
 * no file is stdout's: `write error: No space left on device`.
 */
export function userMessage(e: Error): string {
  const ne = e as NodeJS.ErrnoException;
  if (typeof ne.code === 'string' && typeof ne.syscall === 'string' && e.message.startsWith(`${ne.code}:`)) {
    if (ne.syscall === 'write' && ne.path === undefined) return writeErrorMessage(e);
    const re = fromNodeError(e);
    if (re instanceof Error) return re.message;
  }
  return e.message;
}

/** Prints a warning or note as `PROG: message` on stderr. */
export function warn(prog: string, message: string): void {
  process.stderr.write(`${prog}: ${message}\n`);
}

