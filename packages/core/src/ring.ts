// A ring of slots in anonymous shared memory, filled by this process and drained by a
// forked native child that writes each slot to a file descriptor.
import { binding } from './native.js';
import { MmError } from './errors.js';
import { mapAnonymous, type Mapping, type Sharing } from './map.js';
import { signalNumber } from './fork.js';

// The ring's layout is the addon's (src/native/ring.cc, kRingHeader and kMaxSlots); written
// here too so that importing core does not load the addon. A test checks both against it.
/** Bytes of control data (counters, flags, slot lengths) before the first slot of a ring. */
export const RING_HEADER = 4096;
/** Most slots one ring can have. */
export const RING_MAX_SLOTS = 480;

/** Options of {@link createSlotRing}. */
export interface SlotRingOptions {
  /** Bytes per slot (the most one hand-off carries). Default 256 KiB. */
  slotSize?: number;
  /** Slots in the ring, 1 to {@link RING_MAX_SLOTS}. Default 8. */
  slots?: number;
  /** `shared` (the default): a child forked later sees what is published; `private`: it sees its snapshot from the fork. */
  sharing?: Sharing;
}

/** A ring of equal slots in one anonymous mapping, made by {@link createSlotRing}. */
export interface SlotRing {
  /** The whole mapping: {@link RING_HEADER} bytes of control data, then the slots. */
  readonly mapping: Mapping;
  readonly slotSize: number;
  readonly slots: number;
  /** Bytes the slots hold together (`slotSize * slots`). */
  readonly capacity: number;
}

/**
 * Maps a ring of `slots` slots of `slotSize` bytes (plus a {@link RING_HEADER}-byte header)
 * as anonymous memory and touches every page once, so that the memory is already in place
 * (and, for `private`, shared copy-on-write) when a child is forked; it is then reused for
 * any amount of data. Unmap it with `ring.mapping.unmap()` once no fill is pending.
 */
export function createSlotRing(options: SlotRingOptions = {}): SlotRing {
  const slotSize = options.slotSize ?? 256 * 1024;
  const slots = options.slots ?? 8;
  if (!Number.isSafeInteger(slotSize) || slotSize < 1) throw new MmError('ERR_OUT_OF_RANGE', `slot size must be a whole number of bytes ≥ 1 (got ${slotSize})`);
  if (!Number.isSafeInteger(slots) || slots < 1 || slots > RING_MAX_SLOTS) throw new MmError('ERR_OUT_OF_RANGE', `slots must be between 1 and ${RING_MAX_SLOTS} (got ${slots})`);
  const mapping = mapAnonymous(RING_HEADER + slotSize * slots, { sharing: options.sharing ?? 'shared' });
  // One store per page brings every page in now, not during the stream.
  const bytes = mapping.bytes;
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 0;
  return { mapping, slotSize, slots, capacity: slotSize * slots };
}

/**
 * The errno of the write that made the ring's child stop (stored in the ring before it
 * exits 1), or null if none failed. Read it after the child is reaped: a write can fail
 * after the last fill returned (a short input fits in the first slot).
 */
export function slotRingWriteError(ring: SlotRing): number | null {
  const word = new Int32Array(ring.mapping.buffer, binding.RING_ERROR_OFFSET, 1);
  const errno = Atomics.load(word, 0);
  return errno === 0 ? null : errno;
}

/** Options of {@link forkRingWriter}. */
export interface RingWriterOptions {
  /** Signal the child waits for (sigwait) before it looks at the ring. Default SIGUSR1. */
  signal?: string | number;
  /** Where the child writes the slots. Default 1 (stdout). */
  outFd?: number;
  /** If given, the child writes the total bytes it wrote out (native uint64) here before exiting. */
  reportFd?: number;
}

/**
 * Forks a child that blocks `signal` (before the fork) and sleeps in sigwait. Once woken it
 * writes the ring's published slots to `outFd` in order, handing each slot back after its
 * write, and sleeps on a futex in the shared memory whenever it has caught up — so after the
 * signal, hand-offs need no syscall but the futex wake. It exits 0 after a published empty
 * slot (the end of the data), or at once if nothing was published when it woke (a
 * `private` ring's child sees only its snapshot from the fork). If `outFd` is a pipe, the
 * child asks it to hold 1 MiB (F_SETPIPE_SZ, best effort): fewer wake-ups on both of its
 * ends. After a failed write it
 * exits 1 and the filler stops. The child runs only async-signal-safe calls, dies with its
 * parent (PR_SET_PDEATHSIG), and must be reaped with `waitChild`. Returns its pid.
 */
export function forkRingWriter(ring: SlotRing, options: RingWriterOptions = {}): number {
  return binding.forkRingWriter(ring.mapping.handle, ring.slotSize, ring.slots, signalNumber(options.signal ?? 'SIGUSR1'), options.outFd ?? 1, options.reportFd ?? -1);
}

/** What one {@link fillSlots} call did. */
export interface FillResult {
  /** Bytes published. */
  bytes: number;
  /** Slots published, the final empty one included. */
  slots: number;
  /** The input reached its end and the empty end-of-data slot was published. */
  end: boolean;
  /** The ring was stopped ({@link stopSlotRing}) or the child's write failed. */
  stopped: boolean;
  /** errno of the child's failed write, or null. */
  writeErrno: number | null;
}

/** Options of {@link fillSlots}. */
export interface FillOptions {
  /** Publish at most this many slots in this call. Default: until the end of the input. */
  maxSlots?: number;
  /** The input's name in read errors (`NAME: Input/output error`). */
  name?: string;
}

/**
 * Fills the ring's slots from `fd` and publishes them, on a worker thread (the event loop
 * keeps running): each slot gets one read(2) of up to `slotSize` bytes, once the child has
 * handed it back. At the end of the input an empty slot is published. Rejects with a
 * SystemError if read fails; resolves early (`stopped`) after {@link stopSlotRing} or a
 * failed write in the child. Keep the ring mapped until the promise settles.
 */
export async function fillSlots(ring: SlotRing, fd: number, options: FillOptions = {}): Promise<FillResult> {
  const max = options.maxSlots ?? Number.MAX_SAFE_INTEGER;
  const r = await binding.ringFill(ring.mapping.handle, ring.slotSize, ring.slots, fd, max, options.name ?? `fd ${fd}`);
  return { bytes: r.bytes, slots: r.slots, end: r.end, stopped: r.stopped, writeErrno: r.error };
}

/** Sets the ring's stop flag: a pending {@link fillSlots} resolves with `stopped` within a fraction of a second. */
export function stopSlotRing(ring: SlotRing): void {
  if (ring.mapping.mapped) binding.ringStop(ring.mapping.handle, ring.slotSize, ring.slots);
}
