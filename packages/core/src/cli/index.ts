/**
 * The command-line kit every mm tool shares: one place that turns errors into
 * `PROG: message` lines and exit codes, commander wired for usage errors (exit 2),
 * quiet EPIPE, and TTY-only colour and progress.
 *
 * Exit codes: 0 ok · 1 runtime failure · 2 usage error · 128+N "died of signal N" ·
 * 141 (128+SIGPIPE) when the reader of stdout went away, as `cat` would.
 */
import { createRequire } from 'node:module';
// commander is CommonJS: require() it directly, which loads measurably faster at start-up than
// going through the ESM wrapper (every tool pays this once per run).
const commander = createRequire(import.meta.url)('commander') as typeof import('commander');
const { Command, CommanderError, InvalidArgumentError, Option } = commander;
type Command = import('commander').Command;
type CommanderError = import('commander').CommanderError;
import { fromNodeError, isSystemError, MmError } from '../errors.js';
import { NumberFormatError, parseCount, parseSize } from '../units.js';
import { guardClosedStdio, nonUtf8Arguments, whenStdioStreamMade, writeErrorMessage, writeOut } from './stdio.js';

export { Command, Option, InvalidArgumentError, CommanderError };
export { guardClosedStdio, looksClosedAtStart, nonUtf8Arguments, whenStdioStreamMade, writeErrorMessage, writeOut } from './stdio.js';

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

/** Metadata of a tool for {@link createProgram}. */
export interface ToolInfo {
  name: string;
  version: string;
  description: string;
}

/**
 * A commander program set up the mm way: `--help`/`--version` to stdout, usage errors
 * printed as `PROG: …` on stderr and thrown (so {@link runCli} exits 2), never
 * `process.exit()` from inside commander. Add subcommands after this call.
 */
export function createProgram(info: ToolInfo): Command {
  const program = new Command(info.name);
  program
    .description(info.description)
    .version(info.version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => writeOut(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`${info.name}: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError(`Try '${info.name} --help' for more information.`)
    // One line of reason, as GNU tools give: no "(Did you mean …?)" line.
    .showSuggestionAfterError(false);
  return program;
}

/** A commander argument parser for sizes (`4KiB`, `10M`, `1e6`); bad values are usage errors. */
export function sizeArg(what = 'size'): (value: string) => number {
  return (value) => {
    try {
      return parseSize(value, what);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** A commander argument parser for counts (`1e9`, `10M` = ten million). */
export function countArg(what = 'count'): (value: string) => number {
  return (value) => {
    try {
      return parseCount(value, what);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** A commander argument parser for a whole number within [min, max]. */
export function intArg(what: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`invalid ${what}: '${value}' (a whole number in decimal)`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`invalid ${what}: '${value}' (must be ${min}..${max})`);
    return n;
  };
}

/**
 * Runs a tool's main function: sets `process.title` (so `pidof NAME` finds it), keeps a
 * broken stdout pipe quiet, maps any thrown error to its message and exit code, and sets
 * `process.exitCode` rather than calling `process.exit()`, so buffered output is not cut.
 * `main` may return an exit code.
 */
export async function runCli(prog: string, main: (argv: string[]) => Promise<number | void> | number | void): Promise<void> {
  const notText = nonUtf8Arguments();
  process.title = prog;
  guardClosedStdio();
  // stdout's first failure is reported as `PROG: write error: REASON` and makes the exit
  // status at least 1, whenever it surfaces (writes to files and devices fail a tick later);
  // later writes to the dead stream are not reported again.
  // The handlers go on when the streams are first used: making them costs milliseconds.
  let outputFailed = false;
  whenStdioStreamMade('stdout', (stdout) => stdout.on('error', (e) => {
    if (isBrokenPipe(e)) process.exit(EXIT_EPIPE);
    if (outputFailed) return;
    outputFailed = true;
    process.stderr.write(`${prog}: ${writeErrorMessage(e)}\n`);
    if (!process.exitCode) process.exitCode = 1;
  }));
  whenStdioStreamMade('stderr', (stderr) => stderr.on('error', (e) => {
    if (isBrokenPipe(e)) process.exit(EXIT_EPIPE);
    if (!process.exitCode) process.exitCode = 1;
  }));
  try {
    // Refused rather than passed on with U+FFFD in place of the bytes (a different name).
    if (notText.length) throw new UsageError(`argument '${notText[0]}' is not valid UTF-8; mm tools take names and values as UTF-8 text`);
    const code = await main(process.argv);
    if (typeof code === 'number') process.exitCode = outputFailed && code === 0 ? 1 : code;
  } catch (e) {
    if (isSystemError(e) && isBrokenPipe(e)) {
      process.exitCode = EXIT_EPIPE;
      return;
    }
    const code = reportError(prog, e);
    process.exitCode = outputFailed && code === 0 ? 1 : code;
  }
}

/** True when `stream` is a terminal a person watches (a TTY, TERM not `dumb`). */
export function isInteractive(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && process.env.TERM !== 'dumb';
}

/** True when colour may be used on `stream`: a TTY, no NO_COLOR, TERM not `dumb`. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return isInteractive(stream) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

/** Wraps text in an ANSI colour when {@link useColor} allows. */
export function paint(text: string, color: 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'bold' | 'dim', stream: NodeJS.WriteStream = process.stdout): string {
  if (!useColor(stream)) return text;
  const codes = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1, dim: 2 } as const;
  return `\x1b[${codes[color]}m${text}\x1b[0m`;
}

/**
 * A one-line progress bar on stderr, drawn only when stderr is an interactive terminal and
 * NO_COLOR is unset (never into a pipe or file), redrawn at most ~10 times a second.
 */
export class ProgressBar {
  readonly active: boolean;
  private last = 0;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.active = useColor(stream) && total > 0;
  }

  /** Redraws with `done` of `total` finished; `extra` is shown after the percentage. */
  update(done: number, extra = ''): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const width = 30;
    const frac = Math.min(1, done / this.total);
    const filled = Math.round(frac * width);
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${extra}\x1b[K`);
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.active) this.stream.write('\r\x1b[K');
  }
}
