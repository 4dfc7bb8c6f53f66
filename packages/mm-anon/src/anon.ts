// The lab's parent: map anonymous memory, fork a native child that sleeps in sigwait,
// "work" for a while, copy the input into the mapping, wake the child with a signal, and
// wait for it without blocking the event loop.
import { closeSync, openSync, readFileSync, readSync, unlinkSync, constants as fsConstants } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkSignalReader, mapAnonymous, signalName, signalNumber, waitChild, MmError, SIGNAL_READER_HEADER, type ChildExit, type Mapping, type Sharing } from '@mm/core';
import { copyInput, type Input } from './input.js';

/** Options of {@link shareThroughFork}. */
export interface ShareOptions {
  /** `shared` (MAP_SHARED, the default): the child sees the parent's writes; `private` (MAP_PRIVATE): it does not. */
  sharing?: Sharing;
  /** Milliseconds the parent "works" between the fork and writing the data. Default 500. */
  delayMs?: number;
  /** Signal that wakes the child (name or number). Default SIGUSR1. */
  signal?: string | number;
  /** Where the child writes the bytes it finds. Default 1 (stdout). */
  outFd?: number;
  /** Receives one line of narration per step (pids, times); nothing is narrated without it. */
  log?: (line: string) => void;
  /**
   * Process signals on which the parent stops: the child is killed and reaped, and the
   * result carries `interrupted`. Listeners exist only while this call runs. Default none.
   */
  stopOn?: readonly NodeJS.Signals[];
  /** Aborting stops the parent the same way (the result's `interrupted` is `abort`). */
  abortSignal?: AbortSignal;
  /** Called with the child's pid right after the fork. */
  onFork?: (pid: number) => void;
}

/** What happened, from {@link shareThroughFork}. */
export interface ShareResult {
  /** The parent's pid (this process). */
  parentPid: number;
  /** The forked child's pid (already reaped). */
  childPid: number;
  /** MAP_SHARED or MAP_PRIVATE. */
  sharing: Sharing;
  /** Name of the signal sent to wake the child. */
  signal: string;
  /** Bytes the parent wrote into the mapping (null if it stopped before writing). */
  written: number | null;
  /** Bytes the child found in the mapping and wrote out, as it reported them (null if it never got that far). */
  seen: number | null;
  /** How the child ended. */
  exit: ChildExit;
  /** The process signal (or `abort`) that stopped the parent early, or null. */
  interrupted: NodeJS.Signals | 'abort' | null;
}

const HUGE_PAGE = 2 * 1024 * 1024;

/** Signals the child can wait for: every one but SIGKILL and SIGSTOP, which cannot be blocked. */
export function wakeSignal(name: string | number): number {
  const signo = signalNumber(name);
  if (signo === signalNumber('SIGKILL') || signo === signalNumber('SIGSTOP')) {
    throw new MmError('ERR_INVALID_ARG_VALUE', `${signalName(signo)} cannot be blocked, so the child cannot wait for it`);
  }
  return signo;
}

/**
 * A scratch file, already unlinked, for the child to report the length it saw: the child
 * inherits the descriptor across the fork and writes 8 bytes to it. Null if no temp file
 * can be made (the run then goes on without the report).
 */
function openReportFile(): number | null {
  const path = join(tmpdir(), `.mm-anon-report-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
  try {
    const fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    unlinkSync(path);
    return fd;
  } catch {
    return null;
  }
}

function readReport(fd: number): number | null {
  const b = Buffer.alloc(8);
  if (readSync(fd, b, 0, 8, 0) !== 8) return null;
  return Number(endianness() === 'LE' ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0));
}

/**
 * What the kernel says a process is doing: its state (`S (sleeping)`) from
 * /proc/PID/status and the kernel function it sleeps in (`do_sigtimedwait` while in
 * sigwait) from /proc/PID/wchan. Null once the process is gone.
 */
export function processActivity(pid: number): { state: string; wchan: string } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s*(.*)$/m.exec(status)?.[1]?.trim() ?? '?';
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    } catch {
      // not every kernel shows it
    }
    return { state, wchan: wchan === '0' ? '' : wchan };
  } catch {
    return null;
  }
}

/**
 * Runs the lab's experiment once with `input`:
 *
 * 1. maps `SIGNAL_READER_HEADER + input.size` bytes of anonymous memory (`sharing`);
 * 2. forks a native child that blocks the wake signal and sleeps in sigwait;
 * 3. waits `delayMs` (the parent's "work"; the event loop keeps running);
 * 4. copies the input into the mapping and publishes its length in the header;
 * 5. sends the wake signal; the child writes the `length` bytes after the header to `outFd`;
 * 6. reaps exactly this child with an asynchronous waitpid.
 *
 * With `private` the child's copy of the memory was taken at the fork, before step 4, so it
 * finds length 0 and writes nothing. The child never outlives this call: on `stopOn`
 * signals or `abortSignal` it is killed and reaped, and if this process dies it gets SIGKILL
 * (PR_SET_PDEATHSIG). Errors while reading the input kill and reap the child, then throw.
 */
export async function shareThroughFork(input: Input, options: ShareOptions = {}): Promise<ShareResult> {
  const sharing = options.sharing ?? 'shared';
  const delayMs = options.delayMs ?? 500;
  const signo = wakeSignal(options.signal ?? 'SIGUSR1');
  const sig = signalName(signo);
  const t0 = process.hrtime.bigint();
  const parentPid = process.pid;
  const log = options.log
    ? (who: string, text: string) => {
        const s = (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3);
        options.log?.(`[+${s}s] ${who}: ${text}`);
      }
    : () => {};
  const parent = `parent ${parentPid}`;

  const mapping: Mapping = mapAnonymous(SIGNAL_READER_HEADER + input.size, { sharing });
  if (mapping.length >= HUGE_PAGE) {
    // Fewer page faults for big inputs where the kernel allows transparent huge pages for
    // this kind of memory (shmem_enabled=advise for MAP_SHARED); harmless elsewhere.
    try {
      mapping.advise('hugepage');
    } catch {
      // a kernel without THP: 4 KiB pages it is
    }
  }
  const reportFd = openReportFile();
  let childPid = 0;
  let reaped = false;
  let interrupted: NodeJS.Signals | 'abort' | null = null;
  let wakeDelay: (() => void) | null = null;
  const stop = (why: NodeJS.Signals | 'abort') => {
    if (interrupted) return;
    interrupted = why;
    if (childPid > 0 && !reaped) {
      log(parent, `got ${why === 'abort' ? 'an abort' : why}: killing child ${childPid} (SIGKILL) so it is not left behind`);
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    wakeDelay?.();
  };
  const listeners = (options.stopOn ?? []).map((s) => [s, () => stop(s)] as const);
  const onAbort = () => stop('abort');
  try {
    log(parent, `mapped ${mapping.length} bytes of anonymous ${sharing === 'shared' ? 'MAP_SHARED' : 'MAP_PRIVATE'} memory at 0x${mapping.address.toString(16)} (${SIGNAL_READER_HEADER}-byte length header + ${input.size} bytes for ${input.name})`);
    for (const [s, fn] of listeners) process.on(s, fn);
    options.abortSignal?.addEventListener('abort', onAbort);
    if (options.abortSignal?.aborted) interrupted = 'abort';

    let written: number | null = null;
    if (interrupted) throw new MmError('ABORT_ERR', 'aborted before the fork');
    childPid = forkSignalReader(mapping, { signal: signo, outFd: options.outFd ?? 1, reportFd: reportFd ?? -1 });
    const waited = waitChild(childPid).then((e) => {
      reaped = true;
      wakeDelay?.();
      return e;
    });
    options.onFork?.(childPid);
    const child = `child ${childPid}`;
    log(parent, `forked ${child}; it blocked ${sig} before the fork and now waits for it in sigwait`);

    if (delayMs > 0 && !interrupted && !reaped) {
      log(parent, `working for ${delayMs} ms (--delay) while the child sleeps`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wakeDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeDelay = null;
    }
    if (!interrupted && !reaped) {
      if (options.log) {
        const act = processActivity(childPid);
        if (act) log(child, `/proc/${childPid} says: state ${act.state}${act.wchan ? `, in kernel function ${act.wchan}` : ''}`);
      }
      try {
        written = copyInput(input, mapping);
      } catch (e) {
        stop('abort');
        await waited;
        throw e;
      }
      log(parent, `wrote ${written} bytes of ${input.name} into the mapping after the header, then stored the length ${written} in the header`);
    }
    if (!interrupted && !reaped) {
      process.kill(childPid, signo);
      log(parent, `sent ${sig} to ${child}; waiting for it without blocking the event loop (waitpid on a worker thread)`);
    }
    const exit: ChildExit = await waited;
    const seen = reportFd === null ? null : readReport(reportFd);
    if (exit.signal) log(parent, `reaped ${child}: killed by ${exit.signal}`);
    else log(parent, `reaped ${child}: exit status ${exit.code}${seen === null ? '' : `; it found ${seen} bytes in its view of the mapping and wrote them out`}`);
    return { parentPid, childPid, sharing, signal: sig, written, seen, exit, interrupted };
  } finally {
    for (const [s, fn] of listeners) process.off(s, fn);
    options.abortSignal?.removeEventListener('abort', onAbort);
    if (reportFd !== null) closeSync(reportFd);
    mapping.unmap();
  }
}
