// A player: attach to the arbiter's object, take a side, wait for the start (asleep on the
// state word's futex), pull the rope in native chunks until the stop flag is up, publish the
// final count.
import { futexWait, futexWaitAsync, openShmMapping, addUntilStop, isSystemError, type Mapping } from '@mm/core';
import { notAnObject } from './object-kind.js';
import { ChunkSizer, processAlive, ToolError, yieldToEvents } from '@mm/cli';
import { GameView, LAYOUT_SIZE, LAYOUT_VERSION, MAGIC, OFFSET, Result, SIDE_OFFSET, State, Status, type Side, type SyncMode } from './layout.js';
import { sleep } from './process.js';

/** How a game ended, seen from one player. */
export type Outcome = 'won' | 'lost' | 'opponent-left' | 'declared-gone' | 'interrupted' | 'timeout' | 'arbiter-gone' | 'quit';

/** Options of {@link runPlayer}. */
export interface PlayerOptions {
  /** Name of the game's shm object. */
  name: string;
  /** How long to wait for the arbiter's object to appear (ms). */
  timeoutMs: number;
  /** If set, refuse to play a game whose arbiter chose another mode. */
  sync?: SyncMode;
  /** Aborting it (the CLI does on SIGINT/SIGTERM/SIGHUP) makes the player quit cleanly. */
  signal?: AbortSignal;
  /** Target length of one native chunk of pulls (ms). Default 2. */
  chunkMs?: number;
}

/** What a player reports when it is done. */
export interface PlayerReport {
  side: Side;
  pid: number;
  /** Pulls this player made (exactly; the count it published last). */
  pulls: number;
  sync: SyncMode;
  outcome: Outcome;
  /** pid of the arbiter of the game. */
  arbiterPid: number;
}

/** How long the arbiter may stay silent before a player gives up on it (ms). */
const ARBITER_SILENCE_MS = 3000;
/** How often a player checks that the arbiter still lives (ms). */
const CHECK_EVERY_MS = 100;
/**
 * Longest sleep on the state word before the start (ms). The arbiter wakes the players on
 * every change of the state word and Ctrl-C ends the sleep at once; this bound is only for
 * noticing an arbiter killed with SIGKILL, which wakes nobody. Long, so that a waiting
 * player really uses no CPU.
 */
const WAIT_CHECK_MS = 5000;
/** Longest sleep once set (ms): the arbiter starts the game right after both are set. */
const SET_CHECK_MS = 50;

/**
 * Opens the game object, waiting up to `timeoutMs` for an arbiter to create it and lay it
 * out. Throws a {@link ToolError} when no arbiter shows up or the object is not a game;
 * resolves undefined if `signal` is aborted first.
 */
export async function attachGame(name: string, timeoutMs: number, signal?: AbortSignal): Promise<{ mapping: Mapping; view: GameView } | undefined> {
  const deadline = Date.now() + timeoutMs;
  let seen = false;
  for (;;) {
    if (signal?.aborted) return undefined;
    let mapping: Mapping | undefined;
    try {
      mapping = openShmMapping(name);
    } catch (e) {
      if (!isSystemError(e) || e.code !== 'ENOENT') throw notAnObject(name) ?? e;
    }
    if (mapping) {
      seen = true;
      if (mapping.length >= LAYOUT_SIZE) {
        const view = new GameView(mapping.buffer);
        const magic = view.load(OFFSET.magic);
        if (magic === MAGIC) {
          const version = view.load(OFFSET.version);
          if (version === LAYOUT_VERSION) return { mapping, view };
          mapping.unmap();
          throw new ToolError(`${name}: game layout version ${version}, this mm-tug speaks ${LAYOUT_VERSION}`);
        }
        if (magic !== 0) {
          mapping.unmap();
          throw new ToolError(`${name}: not an mm-tug game (no 'TUG1' magic)`);
        }
      } else if (mapping.length > 0) {
        const size = mapping.length;
        mapping.unmap();
        throw new ToolError(`${name}: not an mm-tug game (${size} bytes, a game has ${LAYOUT_SIZE})`);
      }
      mapping.unmap(); // created but not laid out yet: the arbiter is still setting up
    }
    if (Date.now() >= deadline) {
      const secs = +(timeoutMs / 1000).toFixed(3);
      throw new ToolError(
        seen
          ? `${name}: not an mm-tug game (never laid out within ${secs} s)`
          : `${name}: no arbiter after ${secs} s (start 'mm-tug arbiter${name === 'mm_tug' ? '' : ' --name ' + name}' first)`,
      );
    }
    await sleep(20);
  }
}

function outcomeFor(side: Side, result: number): Outcome {
  switch (result) {
    case Result.leftWon:
      return side === 'left' ? 'won' : 'lost';
    case Result.rightWon:
      return side === 'right' ? 'won' : 'lost';
    case Result.leftGone:
      return side === 'left' ? 'declared-gone' : 'opponent-left';
    case Result.rightGone:
      return side === 'right' ? 'declared-gone' : 'opponent-left';
    case Result.timedOut:
      return 'timeout';
    default:
      return 'interrupted';
  }
}

/**
 * Plays one side of a game: attaches (waiting up to `timeoutMs` for the arbiter), takes the
 * side with a compareExchange on its pid slot (refused if another player holds it), waits
 * for the start, then pulls — left −1, right +1 — in native chunks of about `chunkMs`,
 * publishing its count and heartbeat after each chunk, until the arbiter raises the stop
 * flag. Returns its report; throws a {@link ToolError} when refused or left without an arbiter,
 * and the mapping's fault error when another process shrinks the object under the game.
 */
export async function runPlayer(side: Side, options: PlayerOptions): Promise<PlayerReport> {
  const { name, signal } = options;
  const attached = await attachGame(name, options.timeoutMs, signal);
  const me = process.pid;
  if (!attached) return { side, pid: me, pulls: 0, sync: options.sync ?? 'none', outcome: 'quit', arbiterPid: 0 };
  const { mapping, view } = attached;
  const block = view.side(side);
  const arbiterPid = view.load(OFFSET.arbiterPid);
  let registered = false;
  try {
    const sync = view.sync();
    if (options.sync && options.sync !== sync) {
      throw new ToolError(`${name}: the arbiter plays --sync ${sync}; this player was started with --sync ${options.sync}`);
    }
    if (view.state() !== State.waiting) throw new ToolError(`${name}: the game has already ${view.state() === State.over ? 'ended' : 'started'}`);
    const holder = view.compareExchange(block + SIDE_OFFSET.pid, 0, me);
    if (holder !== 0) throw new ToolError(`${name}: the ${side} side is already taken (pid ${holder})`);
    registered = true;
    view.store64(block + SIDE_OFFSET.heartbeat, Date.now());
    view.store(block + SIDE_OFFSET.status, Status.joined);

    const report = (pulls: number, outcome: Outcome): PlayerReport => ({ side, pid: me, pulls, sync, outcome, arbiterPid });
    let lastCheck = Date.now();
    const arbiterGone = (now: number): boolean => {
      if (now - lastCheck < CHECK_EVERY_MS) return false;
      lastCheck = now;
      return !processAlive(arbiterPid) || now - view.load64(OFFSET.arbiterBeat) > ARBITER_SILENCE_MS;
    };

    // Another process may shrink the object under the game: its words then read as zeros
    // (the stop flag too), so each turn of each loop checks and ends with the message.
    const intact = (): void => mapping.check('the game was on');

    // Waiting for the start.
    for (;;) {
      const state = view.state();
      intact();
      if (state === State.running) break;
      const now = Date.now();
      if (state === State.over) {
        view.store(block + SIDE_OFFSET.status, Status.done);
        return report(0, outcomeFor(side, view.result()));
      }
      if (signal?.aborted) {
        if (state === State.waiting) {
          // Give the side back so another player can take it.
          view.store(block + SIDE_OFFSET.status, Status.free);
          view.compareExchange(block + SIDE_OFFSET.pid, me, 0);
          registered = false;
        } else view.store(block + SIDE_OFFSET.status, Status.quit);
        return report(0, 'quit');
      }
      if (arbiterGone(now)) throw new ToolError(`${name}: the arbiter (pid ${arbiterPid}) is gone`);
      if (view.pid(side) !== me) {
        registered = false;
        throw new ToolError(`${name}: the arbiter gave the ${side} side to another player`);
      }
      view.store64(block + SIDE_OFFSET.heartbeat, now);
      if (state !== State.ready) {
        // Asleep (no CPU) until the arbiter changes the state word and wakes us, or until a
        // check of the arbiter is due.
        try {
          await futexWaitAsync(mapping, OFFSET.state, state, { timeout: WAIT_CHECK_MS, signal, ref: true });
        } catch (e) {
          if ((e as Error).name !== 'AbortError') throw e;
        }
        continue;
      }
      // Both players joined: get set and sleep on the state word in the synchronous form, so
      // the arbiter's wake-up starts both within microseconds of its store instead of an
      // event-loop turn apart (a millisecond of head start is a million uncontended pulls).
      // Back to the event loop (signals) every SET_CHECK_MS.
      view.store(block + SIDE_OFFSET.status, Status.set);
      futexWait(mapping, OFFSET.state, State.ready, { timeout: SET_CHECK_MS });
      if (view.state() !== State.running) await yieldToEvents();
    }

    // Pulling.
    view.store(block + SIDE_OFFSET.status, Status.pulling);
    const atomic = sync === 'atomic';
    const step = side === 'left' ? -1 : 1;
    // Each chunk aims at ~chunkMs: long enough to run at C speed, short enough to publish
    // the count and notice signals promptly.
    const chunks = new ChunkSizer({ first: 10_000, min: 1000, max: 50_000_000, targetMs: options.chunkMs ?? 2, whenInstant: 'double' });
    let pulls = 0;
    let outcome: Outcome | undefined;
    for (;;) {
      const max = chunks.size;
      const n = chunks.run(() => addUntilStop(mapping, { offset: OFFSET.position, stopOffset: OFFSET.stop, step, atomic, max }));
      intact();
      pulls += n;
      const now = Date.now();
      view.store64(block + SIDE_OFFSET.pulls, pulls);
      view.store64(block + SIDE_OFFSET.heartbeat, now);
      if (n < max || view.stopped() || view.state() === State.over) break;
      if (signal?.aborted) {
        outcome = 'quit';
        break;
      }
      if (arbiterGone(now)) {
        view.store(block + SIDE_OFFSET.status, Status.quit);
        throw new ToolError(`${name}: the arbiter (pid ${arbiterPid}) is gone after ${pulls} pulls`);
      }
      await yieldToEvents();
    }
    view.store64(block + SIDE_OFFSET.pulls, pulls);
    intact();
    if (outcome === 'quit') {
      view.store(block + SIDE_OFFSET.status, Status.quit);
      return report(pulls, 'quit');
    }
    view.store(block + SIDE_OFFSET.status, Status.done);
    return report(pulls, outcomeFor(side, view.result()));
  } catch (e) {
    if (registered && view.state() === State.waiting) {
      view.store(block + SIDE_OFFSET.status, Status.free);
      view.compareExchange(block + SIDE_OFFSET.pid, me, 0);
    }
    throw e;
  } finally {
    mapping.unmap();
  }
}
