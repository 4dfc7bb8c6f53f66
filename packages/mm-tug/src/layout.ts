/**
 * The game's shared-memory layout: 256 bytes at the start of the shm object, all words in
 * native (little-endian on x86-64) byte order, every access through `Atomics` on views over
 * the shared mapping, so the arbiter and both players see each other's writes for real.
 *
 * ```
 * offset  size  field            written by   meaning
 * ------  ----  ---------------  -----------  ------------------------------------------------
 *   0      4    magic            arbiter      0x31475554 ("TUG1"), stored last: layout ready
 *   4      4    version          arbiter      LAYOUT_VERSION (1)
 *   8      4    state            arbiter      0 waiting · 3 ready (both joined: get set) ·
 *                                             1 running · 2 over. Players sleep on its futex
 *                                             before the start; the arbiter wakes them
 *                                             (FUTEX_WAKE) after every change
 *  12      4    stop             arbiter      0 pull on · 1 stop (read by the native pull loop)
 *  16      4    sync             arbiter      0 none (racy load+store) · 1 atomic (lock add)
 *  20      4    limit            arbiter      the winner is called at position ±limit
 *  24      4    result           arbiter      0 none · 1 left won · 2 right won · 3 left gone ·
 *                                             4 right gone · 5 interrupted · 6 timed out
 *  28      4    arbiter pid      arbiter
 *  32      8    arbiter beat     arbiter      Date.now() of its last look (ms)
 *  40      8    started at       arbiter      Date.now() when the game started (ms)
 *  48      4    call position    arbiter      the position the winner was called at
 *  52     12    (reserved)
 *  64      4    position         players      the rope: left adds -1, right +1 per pull
 *  68     60    (padding: the rope has its cache line to itself)
 * 128     64    left player      left         see "side block" below
 * 192     64    right player     right
 *
 * side block (at 128 for left, 192 for right):
 *  +0      4    pid              player       0 = side free; taken by compareExchange(0 → pid)
 *  +4      4    status           player       0 free · 1 joined · 5 set (asleep on the
 *                                             state word) · 2 pulling · 3 done · 4 quit
 *  +8      8    pulls            player       pulls made so far (final once status is done)
 * +16      8    heartbeat        player       Date.now() after its last chunk of pulls (ms)
 * ```
 */

/** "TUG1" read as a little-endian int32. */
export const MAGIC = 0x31475554;
/** Bumped whenever an offset or meaning changes. */
export const LAYOUT_VERSION = 1;
/** Bytes the game needs (the shm object is created this size). */
export const LAYOUT_SIZE = 256;

/** Byte offsets of the game's words. */
export const OFFSET = {
  magic: 0,
  version: 4,
  state: 8,
  stop: 12,
  sync: 16,
  limit: 20,
  result: 24,
  arbiterPid: 28,
  arbiterBeat: 32,
  startedAt: 40,
  callPosition: 48,
  position: 64,
  left: 128,
  right: 192,
} as const;

/** Offsets inside a side block. */
export const SIDE_OFFSET = { pid: 0, status: 4, pulls: 8, heartbeat: 16 } as const;

/** Game phase (the state word). */
export const State = { waiting: 0, running: 1, over: 2, ready: 3 } as const;
/** How the players add to the position (the sync word). */
export const SyncCode = { none: 0, atomic: 1 } as const;
/** How the game ended (the result word). */
export const Result = { none: 0, leftWon: 1, rightWon: 2, leftGone: 3, rightGone: 4, interrupted: 5, timedOut: 6 } as const;
/** A player's status word. */
export const Status = { free: 0, joined: 1, pulling: 2, done: 3, quit: 4, set: 5 } as const;

export type Side = 'left' | 'right';
export type SyncMode = keyof typeof SyncCode;
export type StateName = keyof typeof State;
export type ResultCode = (typeof Result)[keyof typeof Result];

/** Both sides, left first. */
export const SIDES: readonly Side[] = ['left', 'right'];

/** Names of result codes as used in messages and `--json` (`reason`). */
export const REASON: Record<ResultCode, string> = {
  0: 'none',
  1: 'limit',
  2: 'limit',
  3: 'left-gone',
  4: 'right-gone',
  5: 'interrupted',
  6: 'timeout',
};

/** The other side. */
export function opposite(side: Side): Side {
  return side === 'left' ? 'right' : 'left';
}

/**
 * Typed, atomic access to the game words in a shared buffer (the mapping's ArrayBuffer).
 * Every load and store is an `Atomics` operation: sequentially consistent, never torn,
 * never cached in a register — the cross-process discipline the lab's plain C ints lacked.
 */
export class GameView {
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  /** Views the first {@link LAYOUT_SIZE} bytes of `buffer`; throws if it is shorter. */
  constructor(buffer: ArrayBuffer) {
    if (buffer.byteLength < LAYOUT_SIZE) throw new RangeError(`game layout needs ${LAYOUT_SIZE} bytes, got ${buffer.byteLength}`);
    this.i32 = new Int32Array(buffer, 0, LAYOUT_SIZE / 4);
    this.i64 = new BigInt64Array(buffer, 0, LAYOUT_SIZE / 8);
  }

  /** Atomically loads the int32 at byte offset `off`. */
  load(off: number): number {
    return Atomics.load(this.i32, off >> 2);
  }

  /** Atomically stores an int32 at byte offset `off`. */
  store(off: number, value: number): void {
    Atomics.store(this.i32, off >> 2, value);
  }

  /** Atomically loads the int64 at byte offset `off` as a number (values stay below 2^53). */
  load64(off: number): number {
    return Number(Atomics.load(this.i64, off >> 3));
  }

  /** Atomically stores an int64 at byte offset `off`. */
  store64(off: number, value: number): void {
    Atomics.store(this.i64, off >> 3, BigInt(Math.trunc(value)));
  }

  /** compareExchange on the int32 at `off`; returns the value found there. */
  compareExchange(off: number, expected: number, replacement: number): number {
    return Atomics.compareExchange(this.i32, off >> 2, expected, replacement);
  }

  /** Byte offset of a side's block. */
  side(side: Side): number {
    return side === 'left' ? OFFSET.left : OFFSET.right;
  }

  /** pid registered on `side` (0: free). */
  pid(side: Side): number {
    return this.load(this.side(side) + SIDE_OFFSET.pid);
  }

  /** Status word of `side`. */
  status(side: Side): number {
    return this.load(this.side(side) + SIDE_OFFSET.status);
  }

  /** Pulls `side` has published. */
  pulls(side: Side): number {
    return this.load64(this.side(side) + SIDE_OFFSET.pulls);
  }

  /** Last heartbeat of `side` (ms since the epoch, 0 before its first). */
  heartbeat(side: Side): number {
    return this.load64(this.side(side) + SIDE_OFFSET.heartbeat);
  }

  /** The rope's position. */
  position(): number {
    return this.load(OFFSET.position);
  }

  /** The state word. */
  state(): number {
    return this.load(OFFSET.state);
  }

  /** The sync mode the arbiter chose. */
  sync(): SyncMode {
    return this.load(OFFSET.sync) === SyncCode.atomic ? 'atomic' : 'none';
  }

  /** The result word. */
  result(): ResultCode {
    return this.load(OFFSET.result) as ResultCode;
  }

  /** True once the stop flag is set. */
  stopped(): boolean {
    return this.load(OFFSET.stop) !== 0;
  }
}
