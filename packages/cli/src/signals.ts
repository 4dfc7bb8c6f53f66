// Stop signals: INT, TERM and HUP end a long run the same way in every tool. While a run
// listens, the first one caught aborts an AbortSignal (its reason is the signal's name), the
// run cleans up what it made, and the tool exits 128+N.
import { signalNumber } from '@mm/core';

/** The signals that stop a long run: Ctrl-C, `kill`, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit status of a process stopped by signal `signal` (name or number): 128+N, as a shell shows it. */
export function signalExitCode(signal: string | number): number {
  return 128 + signalNumber(signal);
}

/** What {@link listenForStop} returns. */
export interface StopListener {
  /** Aborted by the first stop signal caught; `signal.reason` is its name (`SIGTERM`). */
  readonly signal: AbortSignal;
  /** The first stop signal caught, or undefined. */
  readonly caught: NodeJS.Signals | undefined;
  /** 128+N for the signal caught (or for `fallback` when none was, default SIGINT). */
  exitCode(fallback?: NodeJS.Signals): number;
  /** Stops listening (safe to call twice); signals after this take their default action again. */
  dispose(): void;
}

/**
 * Starts listening for {@link STOP_SIGNALS}. The process no longer dies of them until
 * `dispose()`: the first one aborts `signal`, which the run watches between its steps.
 */
export function listenForStop(): StopListener {
  const controller = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    caught ??= sig;
    controller.abort(caught);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  let disposed = false;
  return {
    signal: controller.signal,
    get caught() {
      return caught;
    },
    exitCode: (fallback: NodeJS.Signals = 'SIGINT') => signalExitCode(caught ?? fallback),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}

/** Runs `body` while listening for stop signals (see {@link listenForStop}); stops listening when it settles. */
export async function withStopSignals<T>(body: (stop: StopListener) => Promise<T>): Promise<T> {
  const stop = listenForStop();
  try {
    return await body(stop);
  } finally {
    stop.dispose();
  }
}
