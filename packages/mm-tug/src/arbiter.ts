// The arbiter: creates the game object, waits for a left and a right player, starts the game,
// watches the rope, calls the winner at ±limit, stops the players, reports, unlinks.
// `runGame` reads as that list: each step is a short function over the one `Game` they share.
import { futexWake, openShmMapping, shmUnlink, isSystemError, type Mapping } from '@mm/core';
import { notAnObject } from './object-kind.js';
import { processAlive, ToolError, warn } from '@mm/cli';
import { GameView, LAYOUT_SIZE, LAYOUT_VERSION, MAGIC, OFFSET, REASON, Result, SIDES, SIDE_OFFSET, State, Status, SyncCode, type ResultCode, type Side, type SyncMode } from './layout.js';
import { plainLine, resultLine, resultText, ttyLine, type GameResult, type Snapshot } from './display.js';
import { sleep } from './process.js';

/** How the arbiter shows the game. */
export type DisplayMode = 'tty' | 'plain' | 'json';

/** Options of {@link runGame}. */
export interface GameOptions {
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

/** What the arbiter's steps share: the options, the object, and the game as it goes. */
interface Game {
  readonly options: GameOptions;
  readonly name: string;
  readonly limit: number;
  readonly out: NodeJS.WriteStream;
  readonly mapping: Mapping;
  readonly view: GameView;
  /** `Result.none` while the game is on; set once, by {@link finish}. */
  result: ResultCode;
  /** Why the game ended without a winner (a player gone, nobody came), for the result's note. */
  why: string;
  /** Where the rope was when the game was called (0 if it never started). */
  calledAt: number;
  /** Seconds from the start to the call (0 if it never started). */
  callSeconds: number;
  /** When the game started (process.hrtime, ns). */
  startNs: bigint;
  /** Time and total pulls of the last snapshot, for the rate. */
  last: { t: number; pulls: number };
  /** The rope was drawn on a terminal: the last drawing then gets its newline. */
  drawn: boolean;
}

/** When the watch loop next checks the players and next draws, and when it last ran (ms of the game). */
interface Watch {
  nextCheck: number;
  nextDraw: number;
  lastTick: number;
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
export async function runGame(options: GameOptions): Promise<GameResult> {
  checkLimit(options.limit);
  const game = createGame(options);
  // If the process exits under us (e.g. stdout's reader went away and @mm/cli's runCli exits
  // with 141), still end the game for the players and remove the object.
  const onExit = (): void => {
    endForPlayers(game);
    unlinkQuietly(game.name);
  };
  process.once('exit', onExit);
  try {
    layOut(game);
    announce(game);
    await waitForPlayers(game);
    await getSet(game);
    await play(game);
    callGame(game);
    await collectFinalCounts(game);
    return report(game);
  } finally {
    process.off('exit', onExit);
    cleanUp(game);
  }
}

// ---- the steps, in the order runGame takes them ----

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RangeError(`limit must be 1..${MAX_LIMIT}`);
}

/** Creates the object (exclusively) and the state the steps share. */
function createGame(options: GameOptions): Game {
  const mapping = createObject(options.name);
  return {
    options,
    name: options.name,
    limit: options.limit,
    out: options.out ?? process.stdout,
    mapping,
    view: new GameView(mapping.buffer),
    result: Result.none,
    why: '',
    calledAt: 0,
    callSeconds: 0,
    startNs: process.hrtime.bigint(),
    last: { t: 0, pulls: 0 },
    drawn: false,
  };
}

function createObject(name: string): Mapping {
  try {
    return openShmMapping(name, { exclusive: true, size: LAYOUT_SIZE, mode: 0o600 });
  } catch (e) {
    const odd = notAnObject(name);
    if (odd) throw odd;
    if (isSystemError(e) && e.code === 'EEXIST') {
      throw new ToolError(`${name}: File exists (a game is on, or a crashed one left it behind; remove it with 'mm-shm rm ${name}')`);
    }
    throw e;
  }
}

/** Lays out the game; the magic goes last, so a player never sees a half-made layout. */
function layOut(game: Game): void {
  const { view, options } = game;
  view.store(OFFSET.version, LAYOUT_VERSION);
  view.store(OFFSET.state, State.waiting);
  view.store(OFFSET.stop, 0);
  view.store(OFFSET.sync, SyncCode[options.sync]);
  view.store(OFFSET.limit, game.limit);
  view.store(OFFSET.result, Result.none);
  view.store(OFFSET.arbiterPid, process.pid);
  view.store64(OFFSET.arbiterBeat, Date.now());
  view.store(OFFSET.magic, MAGIC);
}

/** Tells the user how to join (unless asked not to), then lets the caller start players. */
function announce(game: Game): void {
  const { name, options } = game;
  if (options.hint !== false) {
    const flag = name === 'mm_tug' ? '' : ` --name ${name}`;
    warn('mm-tug', `waiting for players on ${name} (--sync ${options.sync}, limit ${game.limit}): run 'mm-tug left${flag} & mm-tug right${flag} &'`);
  }
  options.onReady?.();
}

/** Waits until both sides have joined, or the timeout, or a stop. */
async function waitForPlayers(game: Game): Promise<void> {
  const deadline = Date.now() + game.options.timeoutMs;
  for (;;) {
    const now = beat(game);
    if (stopRequested(game)) return;
    if (joinedSides(game, now) === 2) return;
    if (now >= deadline) return timeOut(game);
    await sleep(10);
  }
}

/** Both joined: tells them to get set, and waits until both sleep on the state word. */
async function getSet(game: Game): Promise<void> {
  if (isOver(game)) return;
  const { view } = game;
  view.store(OFFSET.state, State.ready);
  wakePlayers(game);
  for (;;) {
    const now = beat(game);
    if (stopRequested(game)) return;
    if (endIfGone(game, (s) => (view.pid(s) === 0 ? `the ${s} player left before the start` : whyGone(view, s, now)))) return;
    if (SIDES.every((s) => view.status(s) === Status.set)) return;
    await sleep(1);
  }
}

/** Starts the game and watches the rope until it is called, stopped, or a player is gone. */
async function play(game: Game): Promise<void> {
  game.startNs = process.hrtime.bigint();
  if (isOver(game)) return;
  start(game);
  const watch: Watch = { nextDraw: game.options.intervalMs, nextCheck: 0, lastTick: 0 };
  while (!watchTurn(game, watch)) await sleep(1);
  game.callSeconds = elapsed(game);
  if (!called(game)) game.calledAt = game.view.position();
}

/** Says why the game is over and raises the stop flag: the result first (a player reads it once it sees the flag), then the flag at once. */
function callGame(game: Game): void {
  const { view } = game;
  view.store(OFFSET.result, game.result);
  view.store(OFFSET.stop, 1);
  view.store(OFFSET.callPosition, game.calledAt);
  view.store(OFFSET.state, State.over);
  wakePlayers(game);
}

/** Waits (a while at most) until each player still in the game has published its final count. */
async function collectFinalCounts(game: Game): Promise<void> {
  const until = Date.now() + FINAL_WAIT_MS;
  while (Date.now() < until) {
    beat(game);
    if (!SIDES.some((s) => stillPulling(game, s))) return;
    await sleep(2);
  }
}

/** Finishes the rope's drawing, then writes the result as the display asks and returns it. */
function report(game: Game): GameResult {
  const { out, options } = game;
  if (game.drawn) out.write(`\r${ttyLine(snapshot(game), game.limit, out)}\x1b[K\n`);
  const result = gameResult(game);
  if (options.display === 'json') out.write(JSON.stringify(result) + '\n');
  else if (options.display === 'tty') out.write(resultText(result, out) + '\n');
  else out.write(resultLine(result) + '\n');
  return result;
}

/**
 * Runs on every way out of runGame: a game not called yet (an error in a step) is ended for
 * the players as `interrupted`, then the object is unmapped and unlinked.
 */
function cleanUp(game: Game): void {
  try {
    if (game.mapping.faults === 0) endForPlayers(game);
  } finally {
    try {
      game.mapping.unmap();
    } finally {
      unlinkQuietly(game.name);
    }
  }
}

// ---- what the steps do on each turn ----

/**
 * Checks that the object is whole and stamps the arbiter's heartbeat; returns the time.
 * Another process may shrink the object (truncate -s 0 /dev/shm/NAME): its words then read as
 * zeros here, so every turn of every loop checks, and the game ends with the mapping's message.
 */
function beat(game: Game): number {
  intact(game);
  const now = Date.now();
  game.view.store64(OFFSET.arbiterBeat, now);
  return now;
}

function intact(game: Game): void {
  game.mapping.check('the game was on');
}

/** Ends the game as `interrupted` if the signal was aborted; true if it was. */
function stopRequested(game: Game): boolean {
  if (!game.options.signal?.aborted) return false;
  finish(game, Result.interrupted);
  return true;
}

/**
 * Counts the sides that have joined. Before the start only a dead pid (or a quit) frees a
 * side, never a late heartbeat: on a busy machine a waiting player may not run for a while.
 */
function joinedSides(game: Game, now: number): number {
  const { view } = game;
  let joined = 0;
  for (const side of SIDES) {
    const pid = view.pid(side);
    if (pid === 0) continue;
    if (whyGone(view, side, now, true) !== undefined) freeSide(game, side, pid);
    else if (view.status(side) >= Status.joined) joined++;
  }
  return joined;
}

/** A player that registered and vanished before the start: its side is free again. */
function freeSide(game: Game, side: Side, pid: number): void {
  const { view } = game;
  view.store(view.side(side) + SIDE_OFFSET.status, Status.free);
  view.compareExchange(view.side(side) + SIDE_OFFSET.pid, pid, 0);
  wakePlayers(game);
  warn('mm-tug', `the ${side} player (pid ${pid}) left before the start; the side is free again`);
}

/** Nobody (or only one side) came in time. */
function timeOut(game: Game): void {
  const { view, options } = game;
  const missing = SIDES.filter((s) => view.pid(s) === 0);
  const who = missing.length === 2 ? 'no players' : missing.length === 1 ? `no ${missing[0]} player` : 'the players did not join';
  finish(game, Result.timedOut, `${who} after ${+(options.timeoutMs / 1000).toFixed(3)} s`);
}

/** Puts the rope in the middle and lets the players pull; on a terminal, draws it at the start. */
function start(game: Game): void {
  const { view } = game;
  view.store(OFFSET.position, 0);
  view.store64(OFFSET.startedAt, Date.now());
  view.store(OFFSET.state, State.running);
  wakePlayers(game);
  // The rope at the start, so even a game over within one interval is seen moving.
  if (game.options.display === 'tty') drawProgress(game);
}

/** One turn of watching the rope; true once the game is over. */
function watchTurn(game: Game, watch: Watch): boolean {
  const position = game.view.position();
  intact(game);
  if (position >= game.limit || position <= -game.limit) {
    game.calledAt = position;
    finish(game, position > 0 ? Result.rightWon : Result.leftWon);
    return true;
  }
  const t = elapsed(game) * 1000;
  const now = Date.now();
  game.view.store64(OFFSET.arbiterBeat, now);
  if (stopRequested(game)) return true;
  if (t >= watch.nextCheck) {
    // After a long gap of our own (this process was not scheduled), heartbeats look
    // stale through no fault of the players: judge them by their pids only this time.
    const starved = t - watch.lastTick > STALE_MS / 3;
    watch.nextCheck = t + LIVENESS_EVERY_MS;
    if (endIfGone(game, (s) => whyGone(game.view, s, now, starved))) return true;
  }
  if (t >= watch.nextDraw && game.options.display !== 'json') {
    watch.nextDraw = t + game.options.intervalMs;
    drawProgress(game);
  }
  watch.lastTick = t;
  return false;
}

/** Ends the game with the first side that `why` finds gone; true if it found one. */
function endIfGone(game: Game, why: (side: Side) => string | undefined): boolean {
  for (const side of SIDES) {
    const reason = why(side);
    if (reason !== undefined) {
      finish(game, goneResult(side), reason);
      return true;
    }
  }
  return false;
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

/** Whether the final count of `side` is still to come (a side declared gone has none to give). */
function stillPulling(game: Game, side: Side): boolean {
  const { view } = game;
  if (goneResult(side) === game.result) return false;
  const status = view.status(side);
  return view.pid(side) !== 0 && status !== Status.done && status !== Status.quit && status !== Status.free && processAlive(view.pid(side));
}

/** One display update: the rope redrawn in place on a terminal, else a plain line. */
function drawProgress(game: Game): void {
  const s = snapshot(game);
  if (game.options.display === 'tty') {
    game.out.write(`\r${ttyLine(s, game.limit, game.out)}\x1b[K`);
    game.drawn = true;
  } else game.out.write(plainLine(s) + '\n');
}

/** The game now, with the pull rate since the last snapshot. */
function snapshot(game: Game): Snapshot {
  const { view, last } = game;
  const t = elapsed(game);
  const leftPulls = view.pulls('left');
  const rightPulls = view.pulls('right');
  const dt = t - last.t;
  const rate = dt > 0 ? (leftPulls + rightPulls - last.pulls) / dt : 0;
  last.t = t;
  last.pulls = leftPulls + rightPulls;
  return { elapsed: t, position: view.position(), leftPulls, rightPulls, rate };
}

/** The result as reported: the final counts, what the race lost, and why the game ended. */
function gameResult(game: Game): GameResult {
  const { view, result } = game;
  const leftPulls = view.pulls('left');
  const rightPulls = view.pulls('right');
  const position = view.position();
  intact(game);
  const expected = rightPulls - leftPulls;
  return {
    name: game.name,
    sync: game.options.sync,
    limit: game.limit,
    winner: result === Result.leftWon ? 'left' : result === Result.rightWon ? 'right' : null,
    reason: REASON[result],
    leftPid: view.pid('left'),
    rightPid: view.pid('right'),
    leftPulls,
    rightPulls,
    expected,
    position,
    lost: expected - position,
    calledAt: game.calledAt,
    seconds: game.callSeconds,
    ...(game.why ? { note: game.why } : {}),
  };
}

// ---- small helpers ----

function finish(game: Game, code: ResultCode, reason = ''): void {
  game.result = code;
  game.why = reason;
}

function isOver(game: Game): boolean {
  return game.result !== Result.none;
}

function called(game: Game): boolean {
  return game.result === Result.leftWon || game.result === Result.rightWon;
}

function elapsed(game: Game): number {
  return Number(process.hrtime.bigint() - game.startNs) / 1e9;
}

function goneResult(side: Side): ResultCode {
  return side === 'left' ? Result.leftGone : Result.rightGone;
}

/**
 * Players sleep on the state word's futex until the game starts: they are woken on every
 * change of it (and when a side is freed, so a waiting player re-checks its pid).
 */
function wakePlayers(game: Game): void {
  try {
    if (game.mapping.mapped) futexWake(game.mapping, OFFSET.state);
  } catch (e) {
    // EFAULT: someone cut the object short; the players find out from their own checks.
    if (!isSystemError(e) || e.code !== 'EFAULT') throw e;
  }
}

/** Ends a game not over yet for the players, as `interrupted` (the process is leaving). */
function endForPlayers(game: Game): void {
  const { view } = game;
  if (!game.mapping.mapped || view.state() === State.over) return;
  view.store(OFFSET.result, Result.interrupted);
  view.store(OFFSET.stop, 1);
  view.store(OFFSET.state, State.over);
  wakePlayers(game);
}

/** shm_unlink that ignores an object already gone. */
function unlinkQuietly(name: string): void {
  try {
    shmUnlink(name);
  } catch (e) {
    if (!isSystemError(e) || e.code !== 'ENOENT') throw e;
  }
}
