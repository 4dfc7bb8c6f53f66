/** Why {@link waitForQuit} returned. */
export type QuitReason = 'enter' | 'eof' | 'SIGINT' | 'SIGTERM';

/** Options of {@link waitForQuit}. */
export interface WaitOptions {
  /** Watch standard input for Enter. Off when stdin is one of the mapped files. */
  stdin?: boolean;
}

/**
 * Stays alive until Enter on standard input, SIGINT or SIGTERM; resolves with the reason.
 * End of input quits only on a terminal (Ctrl-D): a job started with `&` from a script reads
 * /dev/null and must keep waiting for its signal.
 */
export function waitForQuit(options: WaitOptions = {}): Promise<QuitReason> {
  const watchStdin = options.stdin ?? true;
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stdin = process.stdin;
    const onData = (chunk: Buffer | string) => {
      if (chunk.includes('\n')) done('enter');
    };
    const onEnd = () => {
      if (stdin.isTTY) done('eof');
    };
    const onError = () => {};
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    function done(reason: QuitReason): void {
      clearInterval(keepAlive);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (watchStdin) {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
        stdin.destroy();
      }
      resolve(reason);
    }
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (watchStdin) {
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      stdin.on('error', onError);
      stdin.resume();
    }
  });
}
