/**
 * @mm/cli — what every mm tool shares on top of @mm/core: the commander wiring and
 * `runCli` (errors → one line on stderr and an exit code), number arguments, colour, TTY and
 * progress, aligned tables, stop signals → 128+N, opening the inputs a user names, driving a
 * native loop in chunks, and /proc process helpers. Private to this repository: the tools
 * bundle it. See README.md.
 */
export { Command, Option, InvalidArgumentError, CommanderError, createProgram, subcommandFilter, runCli, sizeArg, countArg, intArg } from './program.js';
export type { ToolInfo } from './program.js';
export { UsageError, ToolError, EXIT_EPIPE, isBrokenPipe, exitCodeFor, reportError, userMessage, warn } from './errors.js';
export { guardClosedStdio, looksClosedAtStart, nonUtf8Arguments, whenStdioStreamMade, writeErrorMessage, writeOut } from './stdio.js';
export { isInteractive, useColor, paint, ProgressBar } from './tty.js';
export type { OutputTarget } from './tty.js';
export { parseSize, parseCount, formatBytes, NumberFormatError } from './units.js';
export { escapeText } from './text.js';
export { alignColumns, formatTable } from './table.js';
export type { TableOptions } from './table.js';
export { STOP_SIGNALS, signalExitCode, listenForStop, withStopSignals } from './signals.js';
export type { StopListener } from './signals.js';
export { STDIN_OPERAND, statInput, openInput, closeInput } from './input.js';
export type { StatInputOptions, OpenInputOptions, Input } from './input.js';
export { ChunkSizer, yieldToEvents } from './chunks.js';
export type { ChunkSizerOptions } from './chunks.js';
export { processAlive, processActivity, processCommandLine } from './proc.js';
