// The arbiter: creates the game object, waits for a left and a right player, starts the game,
// watches the rope, calls the winner at ±limit, stops the players, reports, unlinks.
import { futexWake, openShmMapping, shmUnlink, isSystemError, type Mapping } from '@mm/core';
import { notAnObject } from './object-kind.js';
import { processAlive, ToolError, warn } from '@mm/cli';
import { GameView, LAYOUT_SIZE, LAYOUT_VERSION, MAGIC, OFFSET, REASON, Result, SIDES, SIDE_OFFSET, State, Status, SyncCode, type ResultCode, type Side, type SyncMode } from './layout.js';
import { plainLine, resultLine, resultText, ttyLine, type GameResult, type Snapshot } from './display.js';
import { sleep } from './process.js';

/** How the arbiter shows the game. */
export type DisplayMode = 'tty' | 'plain' | 'json';

/** Options of {@link runArbiter}. */
export interface ArbiterOptions {
  /** Name of the shm object to create (exclusively). */
  name: string;
  /** The winner is called when the position reaches ±limit (1 … 2^31−2). */
  limit: number;
  /** How long to wait for both players (ms). */
  timeoutMs: number;
  sync: SyncMode;
  /** Time between two updates of the display (ms). */
  intervalMs: number;
  display: DisplayMode;
  /** Where updates and the result go. Default process.stdout. */
  out?: NodeJS.WriteStream;
  /** Aborting it (the CLI does on SIGINT/SIGTERM/SIGHUP) ends the game as `interrupted`. */
  signal?: AbortSignal;
  /** Called once the object is laid out and players may join (the demo spawns them here). */
  onReady?: () => void;
  /** Print the "waiting for players" hint on stderr. Default true. */
  hint?: boolean;
}

/** A player's heartbeat older than this (ms) means it is gone. */
export const STALE_MS = 900;
/** How often the arbiter checks that the players live (ms). */
const LIVENESS_EVERY_MS = 50;
/** How long the arbiter waits for the players' final counts after the call (ms). */
const FINAL_WAIT_MS = 2000;

/** Largest usable --limit: the position is an int32. */
export const MAX_LIMIT = 2 ** 31 - 2;

function goneResult(side: Side): ResultCode {
  return side === 'left' ? Result.leftGone : Result.rightGone;
}

/** Why `side` is no longer playing, or undefined while it is. */
function whyGone(view: GameView, side: Side, now: number, pidsOnly = false): string | undefined {
  const pid = view.pid(side);
  if (view.status(side) === Status.quit) return `the ${side} player (pid ${pid}) quit`;
  if (!processAlive(pid)) return `the ${side} player (pid ${pid}) died`;
  const beat = view.heartbeat(side);
  if (!pidsOnly && beat > 0 && now - beat > STALE_MS) return `the ${side} player (pid ${pid}) stopped answering (no heartbeat for ${now - beat} ms)`;
  return undefined;
}

/**
 * Runs a game and returns its result. The object is created with O_EXCL — an object left
 * by a crashed game is reported with the hint `mm-shm rm NAME` — and is always unlinked at
 * the end, whatever happened. A player that dies (stale heartbeat, dead or zombie pid) or
 * quits ends the game with reason `left-gone`/`right-gone`; no players within `timeoutMs`
 * gives `timeout`; an aborted `signal` gives `interrupted`. The caller maps reasons to exit codes.
 * If another process shrinks the object during the game, the arbiter throws the mapping's
 * fault error (`NAME: object shrank to 0 bytes while the game was on`) after unlinking it.
 */
export async function runArbiter(options: ArbiterOptions): Promise<GameResult> {
  const { name, limit, display, signal } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RangeError(`limit must be 1..${MAX_LIMIT}`);
  const out = options.out ?? process.stdout;
  let mapping: Mapping;
  try {
    mapping = openShmMapping(name, { exclusive: true, size: LAYOUT_SIZE, mode: 0o600 });
  } catch (e) {
    const odd = notAnObject(name);
    if (odd) throw odd;
    if (isSystemError(e) && e.code === 'EEXIST') {
      throw new ToolError(`${name}: File exists (a game is on, or a crashed one left it behind; remove it with 'mm-shm rm ${name}')`);
    }
    throw e;
  }
  const view = new GameView(mapping.buffer);
  // Players sleep on the state word's futex until the game starts: wake them on every change
  // of it (and when a side is freed, so a waiting player re-checks its pid).
  const wakePlayers = (): void => {
    try {
      if (mapping.mapped) futexWake(mapping, OFFSET.state);
    } catch (e) {
      // EFAULT: someone cut the object short; the players find out from their own checks.
      if (!isSystemError(e) || e.code !== 'EFAULT') throw e;
    }
  };
  // Another process may shrink the object (truncate -s 0 /dev/shm/NAME): its words then
  // read as zeros here. Checked on every turn of every loop; the game ends with the message.
  const intact = (): void => mapping.check('the game was on');
  // If the process exits under us (e.g. stdout's reader went away and @mm/cli's runCli exits
  // with 141), still end the game for the players and remove the object.
  const onExit = (): void => {
    if (view.state() !== State.over) {
      view.store(OFFSET.result, Result.interrupted);
      view.store(OFFSET.stop, 1);
      view.store(OFFSET.state, State.over);
      wakePlayers();
    }
    unlinkQuietly(name);
  };
  process.once('exit', onExit);
  try {
    // Lay out the game; the magic goes last, so a player never sees a half-made layout.
    view.store(OFFSET.version, LAYOUT_VERSION);
    view.store(OFFSET.state, State.waiting);
    view.store(OFFSET.stop, 0);
    view.store(OFFSET.sync, SyncCode[options.sync]);
    view.store(OFFSET.limit, limit);
    view.store(OFFSET.result, Result.none);
    view.store(OFFSET.arbiterPid, process.pid);
    view.store64(OFFSET.arbiterBeat, Date.now());
    view.store(OFFSET.magic, MAGIC);
    if (options.hint !== false) {
      const flag = name === 'mm_tug' ? '' : ` --name ${name}`;
      warn('mm-tug', `waiting for players on ${name} (--sync ${options.sync}, limit ${limit}): run 'mm-tug left${flag} & mm-tug right${flag} &'`);
    }
    options.onReady?.();

    let result = Result.none as ResultCode;
    let why = '';
    const finish = (code: ResultCode, reason = ''): void => {
      result = code;
      why = reason;
    };
    const called = (): boolean => result === Result.leftWon || result === Result.rightWon;

    // Waiting for both players.
    const deadline = Date.now() + options.timeoutMs;
    while (result === Result.none) {
      intact();
      const now = Date.now();
      view.store64(OFFSET.arbiterBeat, now);
      if (signal?.aborted) {
        finish(Result.interrupted);
        break;
      }
      let ready = 0;
      for (const side of SIDES) {
        const pid = view.pid(side);
        if (pid === 0) continue;
        // Before the start only a dead pid (or a quit) frees a side, never a late heartbeat:
        // on a busy machine a waiting player may not run for a while.
        if (whyGone(view, side, now, true) !== undefined) {
          // A player that registered and vanished before the start: free its side again.
          view.store(view.side(side) + SIDE_OFFSET.status, Status.free);
          view.compareExchange(view.side(side) + SIDE_OFFSET.pid, pid, 0);
          wakePlayers();
          warn('mm-tug', `the ${side} player (pid ${pid}) left before the start; the side is free again`);
          continue;
        }
        if (view.status(side) >= Status.joined) ready++;
      }
      if (ready === 2) break;
      if (now >= deadline) {
        const missing = SIDES.filter((s) => view.pid(s) === 0);
        const who = missing.length === 2 ? 'no players' : missing.length === 1 ? `no ${missing[0]} player` : 'the players did not join';
        finish(Result.timedOut, `${who} after ${+(options.timeoutMs / 1000).toFixed(3)} s`);
        break;
      }
      await sleep(10);
    }

    // Both joined: tell them to get set, and start once both sleep on the state word.
    if (result === Result.none) {
      view.store(OFFSET.state, State.ready);
      wakePlayers();
    }
    while (result === Result.none) {
      intact();
      const now = Date.now();
      view.store64(OFFSET.arbiterBeat, now);
      if (signal?.aborted) {
        finish(Result.interrupted);
        break;
      }
      const gone = SIDES.map((s) => [s, view.pid(s) === 0 ? `the ${s} player left before the start` : whyGone(view, s, now)] as const).find(([, w]) => w !== undefined);
      if (gone) {
        finish(goneResult(gone[0]), gone[1]);
        break;
      }
      if (SIDES.every((s) => view.status(s) === Status.set)) break;
      await sleep(1);
    }

    // The game.
    const startNs = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - startNs) / 1e9;
    let calledAt = 0;
    let callSeconds = 0;
    const snap = (last: { t: number; pulls: number }): Snapshot => {
      const t = elapsed();
      const leftPulls = view.pulls('left');
      const rightPulls = view.pulls('right');
      const dt = t - last.t;
      const rate = dt > 0 ? (leftPulls + rightPulls - last.pulls) / dt : 0;
      last.t = t;
      last.pulls = leftPulls + rightPulls;
      return { elapsed: t, position: view.position(), leftPulls, rightPulls, rate };
    };
    const last = { t: 0, pulls: 0 };
    const stream = out;
    let drawn = false;
    if (result === Result.none) {
      view.store(OFFSET.position, 0);
      view.store64(OFFSET.startedAt, Date.now());
      view.store(OFFSET.state, State.running);
      wakePlayers();
      if (display === 'tty') {
        // The rope at the start, so even a game over within one interval is seen moving.
        out.write(`\r${ttyLine(snap(last), limit, stream)}\x1b[K`);
        drawn = true;
      }
      let nextDraw = options.intervalMs;
      let nextCheck = 0;
      let lastTick = 0;
      for (;;) {
        const position = view.position();
        intact();
        if (position >= limit || position <= -limit) {
          calledAt = position;
          finish(position > 0 ? Result.rightWon : Result.leftWon);
          break;
        }
        const t = elapsed() * 1000;
        const now = Date.now();
        view.store64(OFFSET.arbiterBeat, now);
        if (signal?.aborted) {
          finish(Result.interrupted);
          break;
        }
        if (t >= nextCheck) {
          // After a long gap of our own (this process was not scheduled), heartbeats look
          // stale through no fault of the players: judge them by their pids only this time.
          const starved = t - lastTick > STALE_MS / 3;
          nextCheck = t + LIVENESS_EVERY_MS;
          const gone = SIDES.map((s) => [s, whyGone(view, s, now, starved)] as const).find(([, w]) => w !== undefined);
          if (gone) {
            finish(goneResult(gone[0]), gone[1]);
            break;
          }
        }
        if (t >= nextDraw && display !== 'json') {
          nextDraw = t + options.intervalMs;
          const s = snap(last);
          if (display === 'tty') {
            out.write(`\r${ttyLine(s, limit, stream)}\x1b[K`);
            drawn = true;
          } else out.write(plainLine(s) + '\n');
        }
        lastTick = t;
        await sleep(1);
      }
      callSeconds = elapsed();
      if (!called()) calledAt = view.position();
    }

    // Game over: say why, raise the stop flag, collect the final counts.
    // The result first (a player reads it once it sees the flag), then the flag at once.
    view.store(OFFSET.result, result);
    view.store(OFFSET.stop, 1);
    view.store(OFFSET.callPosition, calledAt);
    view.store(OFFSET.state, State.over);
    wakePlayers();
    const until = Date.now() + FINAL_WAIT_MS;
    while (Date.now() < until) {
      intact();
      const now = Date.now();
      view.store64(OFFSET.arbiterBeat, now);
      const pending = SIDES.filter((s) => {
        if (goneResult(s) === result) return false; // declared gone: nothing more to wait for
        const st = view.status(s);
        return view.pid(s) !== 0 && st !== Status.done && st !== Status.quit && st !== Status.free && processAlive(view.pid(s));
      });
      if (pending.length === 0) break;
      await sleep(2);
    }
    if (drawn) {
      const s = snap(last);
      out.write(`\r${ttyLine(s, limit, stream)}\x1b[K\n`);
    }
    const leftPulls = view.pulls('left');
    const rightPulls = view.pulls('right');
    const position = view.position();
    intact();
    const expected = rightPulls - leftPulls;
    const game: GameResult = {
      name,
      sync: options.sync,
      limit,
      winner: result === Result.leftWon ? 'left' : result === Result.rightWon ? 'right' : null,
      reason: REASON[result],
      leftPid: view.pid('left'),
      rightPid: view.pid('right'),
      leftPulls,
      rightPulls,
      expected,
      position,
      lost: expected - position,
      calledAt,
      seconds: callSeconds,
      ...(why ? { note: why } : {}),
    };
    if (display === 'json') out.write(JSON.stringify(game) + '\n');
    else if (display === 'tty') out.write(resultText(game, stream) + '\n');
    else out.write(resultLine(game) + '\n');
    return game;
  } finally {
    process.off('exit', onExit);
    mapping.unmap();
    unlinkQuietly(name);
  }
}

/** shm_unlink that ignores an object already gone. */
function unlinkQuietly(name: string): void {
  try {
    shmUnlink(name);
  } catch (e) {
    if (!isSystemError(e) || e.code !== 'ENOENT') throw e;
  }
}
