// The lab's parent, streaming: map a small ring of anonymous memory, fork a native child
// that sleeps in sigwait, "work" for a while, put the first chunk of the input in the ring
// and wake the child with a signal; every later chunk is handed over through the ring's
// shared memory alone. The child is waited for without blocking the event loop.
import { closeSync, openSync, readSync, unlinkSync, constants as fsConstants } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlotRing, fillSlots, forkRingWriter, signalName, signalNumber, stopSlotRing, slotRingWriteError, waitChild, MmError, RING_HEADER, type ChildExit, type FillResult, type Sharing, type SlotRing } from '@mm/core';
import { processActivity, type Input } from '@mm/cli';

/**
 * Default ring: 4 slots of 128 KiB (512 KiB, touched once and reused for the whole input).
 * Small on purpose: fresh memory is what costs (each page's first touch), and a slot the
 * size of `cat`'s buffer keeps the copies cache-friendly.
 */
export const DEFAULT_SLOT_SIZE = 128 * 1024;
export const DEFAULT_SLOTS = 4;

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
   * Aborting stops the parent: the child is killed and reaped, and the result carries
   * `interrupted` — the abort reason when it is a signal's name (`SIGTERM`, as @mm/cli's
   * stop signals give), else `abort`.
   */
  abortSignal?: AbortSignal;
  /** Called with the child's pid right after the fork. */
  onFork?: (pid: number) => void;
  /** Bytes per slot of the ring (the most one hand-off carries). Default {@link DEFAULT_SLOT_SIZE}. */
  slotSize?: number;
  /** Slots in the ring. Default {@link DEFAULT_SLOTS}. */
  slots?: number;
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
  /** Bytes the parent put in the ring, all chunks together (null if it stopped before the first). */
  written: number | null;
  /** Chunks (slots with data) the parent published: the first, woken by the signal, and those handed over through the ring. */
  chunks: number;
  /** Bytes the child found in its view of the ring and wrote out, as it reported them (null if it never got that far). */
  seen: number | null;
  /** errno of the child's failed write (the child then exits 1), or null. */
  writeErrno: number | null;
  /** How the child ended. */
  exit: ChildExit;
  /** The process signal (or `abort`) that stopped the parent early, or null. */
  interrupted: NodeJS.Signals | 'abort' | null;
}

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
 * Runs the lab's experiment once with `input`, streaming it through a ring:
 *
 * 1. maps a ring of `slots` slots of `slotSize` bytes of anonymous memory (`sharing`) and
 *    touches it once; it is reused for the whole input, whatever its size;
 * 2. forks a native child that blocks the wake signal and sleeps in sigwait;
 * 3. waits `delayMs` (the parent's "work"; the event loop keeps running);
 * 4. reads the first chunk of the input into slot 0 and publishes it;
 * 5. sends the wake signal: the child writes that slot to `outFd` and hands it back;
 * 6. reads every later chunk into the next free slot and publishes it — the child is
 *    already awake, and each hand-off goes through the shared memory (a counter and a
 *    futex on it each way), with no signal and no pipe; an empty slot marks the end;
 * 7. reaps exactly this child with an asynchronous wait.
 *
 * With `private` the child's copy of the memory was taken at the fork, before step 4, so it
 * finds nothing published and writes nothing; the parent then stops after the first chunk
 * (no slot would ever come back). The child never outlives this call: on `abortSignal` it is
 * killed and reaped, and if this process dies it gets SIGKILL
 * (PR_SET_PDEATHSIG). A read error kills and reaps the child, then throws.
 */
export async function shareThroughFork(input: Pick<Input, 'name' | 'fd' | 'size'>, options: ShareOptions = {}): Promise<ShareResult> {
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

  const ring: SlotRing = createSlotRing({ slotSize: options.slotSize ?? DEFAULT_SLOT_SIZE, slots: options.slots ?? DEFAULT_SLOTS, sharing });
  const reportFd = openReportFile();
  let childPid = 0;
  let reaped = false;
  // (typed by assertion: set inside fill(), which TypeScript's narrowing does not follow)
  let filling = null as Promise<unknown> | null;
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
    stopSlotRing(ring);
    wakeDelay?.();
  };
  const abortReason = (): NodeJS.Signals | 'abort' => {
    const reason: unknown = options.abortSignal?.reason;
    return typeof reason === 'string' && reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'abort';
  };
  const onAbort = () => stop(abortReason());
  /** Fills slots; on a read error, kills and reaps the child before throwing. */
  const fill = async (maxSlots: number | undefined, waited: Promise<ChildExit>): Promise<FillResult> => {
    const p = fillSlots(ring, input.fd, { maxSlots, name: input.name });
    filling = p.catch(() => {});
    try {
      return await p;
    } catch (e) {
      stop('abort');
      await waited;
      throw e;
    }
  };
  try {
    const kind = sharing === 'shared' ? 'MAP_SHARED' : 'MAP_PRIVATE';
    log(parent, `mapped ${ring.mapping.length} bytes of anonymous ${kind} memory at 0x${ring.mapping.address.toString(16)}: a ring of ${ring.slots} slots of ${ring.slotSize} bytes after a ${RING_HEADER}-byte header, reused for all of ${input.name}${input.size === null ? '' : ` (${input.size} bytes)`}`);
    options.abortSignal?.addEventListener('abort', onAbort);
    if (options.abortSignal?.aborted) interrupted = abortReason();

    let written: number | null = null;
    let chunks = 0;
    let writeErrno: number | null = null;
    if (interrupted) throw new MmError('ABORT_ERR', 'aborted before the fork');
    childPid = forkRingWriter(ring, { signal: signo, outFd: options.outFd ?? 1, reportFd: reportFd ?? -1 });
    const waited = waitChild(childPid).then((e) => {
      reaped = true;
      stopSlotRing(ring);
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
    let first: FillResult | null = null;
    if (!interrupted && !reaped) {
      if (options.log) {
        const act = processActivity(childPid);
        if (act) log(child, `/proc/${childPid} says: state ${act.state}${act.wchan ? `, in kernel function ${act.wchan}` : ''}`);
      }
      first = await fill(1, waited);
      if (!first.stopped && !interrupted && !reaped) {
        written = first.bytes;
        chunks = first.bytes > 0 ? 1 : 0;
        log(parent, `wrote ${first.bytes} bytes of ${input.name} into slot 0 of the ring (the first chunk${first.end ? ', and the end of the data: there is no more' : ''}), then published it`);
      }
    }
    if (written !== null && first && !interrupted && !reaped) {
      process.kill(childPid, signo);
      log(parent, `sent ${sig} to ${child} for the first chunk; every later chunk goes through the ring's shared memory (the parent publishes a slot, the child writes it out and hands it back, each side sleeping on a futex in the ring when it must wait), no signal, no pipe`);
      if (sharing === 'private' && !first.end) {
        log(parent, `MAP_PRIVATE: no slot can come back from the child's snapshot, so nothing more is read; waiting for the child (waitpid without blocking the event loop)`);
      } else if (!first.end) {
        const rest = await fill(undefined, waited);
        written += rest.bytes;
        const more = rest.slots - (rest.end ? 1 : 0);
        chunks += more;
        writeErrno = rest.writeErrno;
        log(parent, `handed over ${more} more chunk${more === 1 ? '' : 's'} (${rest.bytes} bytes) through the ring after the first: ${chunks} chunk${chunks === 1 ? '' : 's'}, ${written} bytes in all${rest.end ? ', then the end of the data' : ' (stopped before the end)'}; waiting for the child (waitpid without blocking the event loop)`);
      } else {
        log(parent, `waiting for the child (waitpid without blocking the event loop)`);
      }
    }
    const exit: ChildExit = await waited;
    // A write that failed after the last fill returned (the whole input fit in the first slot).
    if (writeErrno === null && sharing === 'shared') writeErrno = slotRingWriteError(ring);
    const seen = reportFd === null ? null : readReport(reportFd);
    if (exit.signal) log(parent, `reaped ${child}: killed by ${exit.signal}`);
    else log(parent, `reaped ${child}: exit status ${exit.code}${seen === null ? '' : `; it found ${seen} bytes in its view of the ring and wrote them out`}`);
    return { parentPid, childPid, sharing, signal: sig, written, chunks, seen, writeErrno, exit, interrupted };
  } finally {
    options.abortSignal?.removeEventListener('abort', onAbort);
    if (reportFd !== null) closeSync(reportFd);
    stopSlotRing(ring);
    if (filling) await filling;
    ring.mapping.unmap();
  }
}
