// The command's behaviour on top of shareThroughFork: messages on stderr and the exit code.
import { systemError, type Sharing } from '@mm/core';
import { EXIT_EPIPE, signalExitCode, ToolError, warn, withStopSignals } from '@mm/cli';
import { shareThroughFork, type ShareResult } from './anon.js';
import { closeInput, openInput } from './input.js';

const PROG = 'mm-anon';

/** Options of {@link runAnon}. */
export interface RunOptions {
  delayMs?: number;
  sharing?: Sharing;
  signal?: string;
  verbose?: boolean;
  /** Bytes per slot of the ring (default 256 KiB). */
  slotSize?: number;
  /** Slots in the ring (default 8). */
  slots?: number;
  /** Where messages go. Default: process.stderr. */
  stderr?: (line: string) => void;
}

/** The `--private` report: how many bytes the child saw of those written, and why. */
export function privateReport(r: ShareResult): string {
  const seen = r.seen === null ? 'an unknown number of' : String(r.seen);
  const why =
    r.seen === 0 && (r.written ?? 0) > 0
      ? `MAP_PRIVATE gave child ${r.childPid} a copy-on-write snapshot of the memory, taken at the fork, before the parent wrote; the parent's stores went to its own copy, so the child found no chunk published in its view of the ring and printed nothing`
      : 'MAP_PRIVATE: the child reads its own copy-on-write snapshot, taken at the fork, before the parent wrote';
  return `--private: the child saw ${seen} bytes of the ${r.written ?? 0} written (${why})`;
}

/**
 * Runs `mm-anon FILE` and returns its exit status: the child's status (1 after a write
 * error, said as `write error: REASON`), 128+N if the child
 * died of signal N (141, quietly, for SIGPIPE: the reader of stdout left), 128+N if this
 * process was stopped by SIGINT/SIGTERM/SIGHUP (after killing and reaping the child).
 * Input errors are thrown before any fork.
 */
export async function runAnon(file: string, options: RunOptions = {}): Promise<number> {
  const say = options.stderr ?? ((line: string) => warn(PROG, line));
  const input = openInput(file);
  let r: ShareResult;
  try {
    r = await withStopSignals((stop) =>
      shareThroughFork(input, {
        sharing: options.sharing,
        delayMs: options.delayMs,
        signal: options.signal,
        abortSignal: stop.signal,
        log: options.verbose ? say : undefined,
        slotSize: options.slotSize,
        slots: options.slots,
      }),
    );
  } finally {
    closeInput(input);
  }
  if (r.interrupted && r.interrupted !== 'abort') return signalExitCode(r.interrupted);
  if (r.exit.signal !== null && r.exit.signo !== null) {
    if (r.exit.signal === 'SIGPIPE') return EXIT_EPIPE;
    throw new ToolError(`child ${r.childPid} was killed by ${r.exit.signal}`, 128 + r.exit.signo);
  }
  if (r.written === null) say(`child ${r.childPid} ended before the parent wrote anything (woken early by another ${r.signal}?); it found ${r.seen ?? 'an unknown number of'} bytes`);
  else if (r.sharing === 'private') say(privateReport(r));
  if (r.writeErrno !== null) say(systemError(r.writeErrno, 'write', 'write error').message);
  else if (r.exit.code !== 0) say(`child ${r.childPid} exited with status ${r.exit.code}${r.exit.code === 1 ? ' (it could not write its output)' : ''}`);
  return r.exit.code ?? 1;
}
