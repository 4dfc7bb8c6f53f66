/**
 * The commander wiring every mm tool shares: a program set up the mm way, argument parsers
 * for numbers, and {@link runCli}, which runs a tool's main function and turns what it
 * throws into a message and an exit code (see errors.ts).
 */
import { createRequire } from 'node:module';
// commander is CommonJS: require() it directly, which loads measurably faster at start-up than
// going through the ESM wrapper (every tool pays this once per run).
const commander = createRequire(import.meta.url)('commander') as typeof import('commander');
const { Command, CommanderError, InvalidArgumentError, Option } = commander;
type Command = import('commander').Command;
type CommanderError = import('commander').CommanderError;
import { isSystemError } from '@mm/core';
import { parseCount, parseSize } from './units.js';
import { guardClosedStdio, nonUtf8Arguments, whenStdioStreamMade, writeErrorMessage, writeOut } from './stdio.js';
import { EXIT_EPIPE, isBrokenPipe, reportError, UsageError } from './errors.js';

export { Command, Option, InvalidArgumentError, CommanderError };

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

/**
 * Which of a program's subcommands a run needs set up: `wanted(name)` is false only for the
 * subcommands that `argv` (as `process.argv`: node, script, then the arguments) does not
 * select, when its first argument is exactly one of `names`. Setting up every subcommand and
 * its options costs each start a few milliseconds; `mm-shm ls` needs only `ls`. Anything else
 * as the first argument (an option such as `--help`, `help`, an unknown or misspelled name)
 * sets up all of them, so help and errors read as before.
 */
export function subcommandFilter(argv: readonly string[], names: readonly string[]): (name: string) => boolean {
  const first = argv[2];
  const only = first !== undefined && names.includes(first) ? first : undefined;
  return (name) => only === undefined || name === only;
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

