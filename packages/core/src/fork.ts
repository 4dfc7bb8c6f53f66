import { createRequire } from 'node:module';
import { binding } from './native.js';
import { MmError } from './errors.js';
import type { Mapping } from './map.js';
import { checkFd, checkPid } from './checks.js';

/** Node's signal numbers, from node:os on first use (not loaded at every tool's start). */
const osSignals = (): typeof import('node:os').constants.signals => (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants.signals;
let signalNameMap: Map<number, string> | undefined;
/** Signal numbers to names, made on first use (not at every tool's start). */
const signalNames = (): Map<number, string> => (signalNameMap ??= new Map(Object.entries(osSignals()).map(([k, v]) => [v, k])));

/** Name of a signal number (`11` → `SIGSEGV`). */
export function signalName(signo: number): string {
  const name = signalNames().get(signo);
  if (name) return name;
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) return signo - SIGRTMIN <= SIGRTMAX - signo ? `SIGRTMIN+${signo - SIGRTMIN}` : `SIGRTMAX-${SIGRTMAX - signo}`;
  return `SIG${signo}`;
}

/** The real-time signals an application may use on Linux (glibc keeps 32 and 33 for itself). */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Number of a signal given as `SIGUSR1`, `USR1`, `10`, `34`, `SIGRTMIN+2` or `RTMAX`; throws ERR_INVALID_ARG_VALUE otherwise. */
export function signalNumber(name: string | number): number {
  if (typeof name === 'number' || /^\d+$/.test(name)) {
    const n = Number(name);
    if (signalNames().has(n) || (n >= SIGRTMIN && n <= SIGRTMAX)) return n;
  } else {
    const up = name.toUpperCase();
    const rt = /^(?:SIG)?RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(up);
    if (rt) {
      const k = rt[3] === undefined ? 0 : Number(rt[3]);
      const n = rt[1] === 'MIN' && rt[2] !== '-' ? SIGRTMIN + k : rt[1] === 'MAX' && rt[2] !== '+' ? SIGRTMAX - k : -1;
      if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    }
    const signals = osSignals();
    const key = (up.startsWith('SIG') ? up : 'SIG' + up) as keyof typeof signals;
    const n = signals[key];
    if (typeof n === 'number') return n;
  }
  throw new MmError('ERR_INVALID_ARG_VALUE', `unknown signal: ${name}`);
}

/** How a child process ended: `code` if it exited, `signal` (name) and `signo` if a signal killed it. */
export interface ChildExit {
  pid: number;
  code: number | null;
  signal: string | null;
  signo: number | null;
}

/** What {@link probeAccess} saw. */
export interface ProbeResult extends ChildExit {
  /** True if the access completed (the child exited 0). */
  ok: boolean;
  /** The first byte read or written, when the access completed. */
  value: number | null;
}

/** Options of {@link probeAccess}. */
export interface ProbeOptions {
  op: 'read' | 'write';
  /** Offset from the mapping's first byte; may lie past its end. */
  offset: number;
  /** Bytes to touch. Default 1. */
  length?: number;
  /** Byte to store for `write`; default: store back the byte already there (contents unchanged). */
  value?: number;
}

function exitOf(s: { pid: number; code: number | null; signal: number | null }): ChildExit {
  return { pid: s.pid, code: s.code, signal: s.signal === null ? null : signalName(s.signal), signo: s.signal };
}

/**
 * Tries a memory access that may fault, in a forked child: the child runs no JavaScript,
 * resets SIGSEGV/SIGBUS (Node and V8 install their own handlers) to the default, makes the
 * access and exits. The promise tells how it ended — so a SIGSEGV or SIGBUS shows up as
 * `signal: 'SIGSEGV'` instead of killing this process. A write in a shared mapping reaches
 * the file; in a private one it stays in the child. The child is waited for on the event
 * loop (as {@link waitChild} does), so nothing blocks while it runs. Rejects with a
 * SystemError (never a result that reads as success) if the child cannot be waited for.
 */
export async function probeAccess(mapping: Mapping, options: ProbeOptions): Promise<ProbeResult> {
  if (!Number.isSafeInteger(options.offset)) throw new MmError('ERR_OUT_OF_RANGE', 'offset must be a whole number');
  const op = options.op === 'write' ? 1 : 0;
  const value = options.value === undefined ? -1 : options.value & 0xff;
  const r = await binding.probeAccess(mapping.handle, options.offset, options.length ?? 1, op, value);
  return { ...exitOf(r), ok: r.code === 0, value: r.code === 0 ? r.value : null };
}

/**
 * Where a payload lies in a mapping, for {@link forkSignalReader} and
 * {@link writeSignalPayload}: the caller chooses the layout.
 */
export interface PayloadLayout {
  /** Byte offset of the payload's length, a native uint64 (a multiple of 8). Default 0. */
  lengthOffset?: number;
  /** Byte offset of the payload's first byte; the payload may run to the mapping's end. Default 8. */
  dataOffset?: number;
}

/** Options of {@link forkSignalReader}. */
export interface SignalReaderOptions extends PayloadLayout {
  /** Signal the child waits for with sigwait. Default SIGUSR1. */
  signal?: string | number;
  /** Where the child writes the payload. Default 1 (stdout). */
  outFd?: number;
  /** If given, the child writes the payload length it saw (native uint64) here before exiting. */
  reportFd?: number;
}

function layoutOf(mapping: Mapping, layout: PayloadLayout): { lengthOffset: number; dataOffset: number } {
  const lengthOffset = layout.lengthOffset ?? 0;
  const dataOffset = layout.dataOffset ?? 8;
  if (!Number.isSafeInteger(lengthOffset) || lengthOffset < 0 || lengthOffset % 8 !== 0 || lengthOffset + 8 > mapping.length) {
    throw new MmError('ERR_OUT_OF_RANGE', `lengthOffset must be a multiple of 8 with its 8 bytes inside the mapping (got ${String(lengthOffset)})`);
  }
  if (!Number.isSafeInteger(dataOffset) || dataOffset < 0 || dataOffset > mapping.length) {
    throw new MmError('ERR_OUT_OF_RANGE', `dataOffset must lie inside the mapping (got ${String(dataOffset)})`);
  }
  return { lengthOffset, dataOffset };
}

/**
 * Forks a child that blocks `signal` (before the fork) and waits for it with sigwait. When
 * woken it reads the payload's length from the native uint64 at `lengthOffset` of `mapping`
 * (with acquire ordering; see {@link writeSignalPayload}), writes that many bytes from
 * `dataOffset` to `outFd` (at most to the mapping's end) and exits 0 (1 if a write failed).
 * The child runs only async-signal-safe calls and must be reaped with {@link waitChild}.
 *
 * The child is hardened as every child core forks: it keeps open only `outFd` and
 * `reportFd` (no socket, epoll, eventfd or locked file of this process), it dies with this
 * process (SIGKILL when the process ends — not when the thread that called this ends, so a
 * Worker may fork it and exit), and a signal sent the moment this returns is never lost,
 * whatever the signal (even SIGWINCH, SIGCHLD, SIGURG or SIGCONT, whose default is to be
 * ignored). Returns the child's pid once it is set up.
 */
export function forkSignalReader(mapping: Mapping, options: SignalReaderOptions = {}): number {
  const outFd = checkFd(options.outFd ?? 1, 'outFd');
  const reportFd = checkFd(options.reportFd ?? -1, 'reportFd', true);
  const { lengthOffset, dataOffset } = layoutOf(mapping, options);
  return binding.forkSignalReader(mapping.handle, signalNumber(options.signal ?? 'SIGUSR1'), outFd, reportFd, lengthOffset, dataOffset);
}

/**
 * Copies `data` into `mapping` at `dataOffset` and then stores its length at `lengthOffset`
 * (release ordering), in the layout a {@link forkSignalReader} child given the same layout
 * reads. Returns the length.
 */
export function writeSignalPayload(mapping: Mapping, data: Uint8Array | readonly Uint8Array[], layout: PayloadLayout = {}): number {
  const { lengthOffset, dataOffset } = layoutOf(mapping, layout);
  const parts = data instanceof Uint8Array ? [data] : data;
  let at = dataOffset;
  for (const p of parts) {
    if (at + p.length > mapping.length) throw new MmError('ERR_OUT_OF_RANGE', 'payload does not fit the mapping');
    mapping.bytes.set(p, at);
    at += p.length;
  }
  const len = at - dataOffset;
  const word = new BigUint64Array(mapping.buffer, lengthOffset, 1);
  Atomics.store(word, 0, BigInt(len));
  return len;
}

/**
 * Waits for exactly this child without blocking any thread: a pidfd (Linux 5.3+) watched by
 * the event loop, then waitid. Timers and I/O run while the child lives, any number of
 * waits may be pending, and `process.exit()`, an uncaught exception or `Worker.terminate()`
 * end at once. A pending wait keeps the event loop alive, as a child process does.
 * Children of others are never reaped: a pid that is not this process's child rejects with
 * ECHILD, and so does a child that someone else reaped — a failed wait never reads as an
 * exit. `pid` must be a whole number from 1 to 2^31-1 (ERR_OUT_OF_RANGE).
 */
export async function waitChild(pid: number): Promise<ChildExit> {
  return exitOf(await binding.waitChild(checkPid(pid)));
}
