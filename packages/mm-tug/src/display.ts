// What the arbiter prints: the rope drawn for a terminal, plain update lines for pipes,
// and the result (a line, a few lines for people, or a JSON object).
import { paint } from '@mm/cli';
import type { Side, SyncMode } from './layout.js';

/** The outcome of a game as the arbiter reports it (`--json` prints this object). */
export interface GameResult {
  /** Name of the shm object the game was played in. */
  name: string;
  sync: SyncMode;
  limit: number;
  /** The side that pulled the rope to ±limit; null when the game did not finish. */
  winner: Side | null;
  /** `limit`, `left-gone`, `right-gone`, `interrupted` or `timeout`. */
  reason: string;
  leftPid: number;
  rightPid: number;
  /** Pulls each player made (its own final count; the last one published if it died). */
  leftPulls: number;
  rightPulls: number;
  /** Where the pulls add up to: rightPulls − leftPulls. */
  expected: number;
  /** Where the rope actually is after both players stopped. */
  position: number;
  /** expected − position: the net pulls the race lost (0 under --sync atomic). */
  lost: number;
  /** The position the arbiter saw when it called the game. */
  calledAt: number;
  /** Seconds from the start to the call. */
  seconds: number;
  /** Why a game that did not finish ended (e.g. `the left player (pid 42) died`). */
  note?: string;
}

/** Live numbers for one update. */
export interface Snapshot {
  elapsed: number;
  position: number;
  leftPulls: number;
  rightPulls: number;
  /** Pulls per second of both players since the last update. */
  rate: number;
}

/** 12345678 → `12.3M`; small numbers stay whole. */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'K';
  return String(Math.round(n));
}

/** A signed integer with its sign: `+12`, `-3`, `0`. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * The rope as `width` characters with the knot `O` where `position` puts it between
 * −limit (far left) and +limit (far right), and `|` marking the middle.
 */
export function drawRope(position: number, limit: number, width = 41): string {
  const w = Math.max(5, width | 1);
  const mid = (w - 1) / 2;
  const frac = Math.max(-1, Math.min(1, limit > 0 ? position / limit : 0));
  const knot = Math.round(mid + frac * mid);
  let s = '';
  for (let i = 0; i < w; i++) s += i === knot ? 'O' : i === mid ? '|' : '-';
  return s;
}

/** The line redrawn in place on a terminal (no newline; caller writes `\r` and `\x1b[K`). */
export function ttyLine(s: Snapshot, limit: number, stream?: NodeJS.WriteStream): string {
  const rope = drawRope(s.position, limit);
  const knot = rope.indexOf('O');
  const colored = rope.slice(0, knot) + paint('O', 'yellow', stream) + rope.slice(knot + 1);
  return `LEFT [${colored}] RIGHT  position ${signed(s.position).padStart(11)}  ${formatCount(s.rate).padStart(7)} pulls/s  ${s.elapsed.toFixed(1)} s`;
}

/** One plain update line for a pipe: stable `key=value` fields. */
export function plainLine(s: Snapshot): string {
  return `time=${s.elapsed.toFixed(3)} position=${s.position} left=${s.leftPulls} right=${s.rightPulls} pulls/s=${Math.round(s.rate)}`;
}

/** The final plain result line. */
export function resultLine(r: GameResult): string {
  return (
    `result winner=${r.winner ?? 'none'} reason=${r.reason} sync=${r.sync} limit=${r.limit} called-at=${r.calledAt} ` +
    `left=${r.leftPulls} right=${r.rightPulls} right-left=${r.expected} position=${r.position} lost=${r.lost} ` +
    `time=${r.seconds.toFixed(3)}`
  );
}

/** The result for a person at a terminal: a headline and the arithmetic. */
export function resultText(r: GameResult, stream?: NodeJS.WriteStream): string {
  const head = r.winner
    ? paint(`${r.winner.toUpperCase()} wins`, 'green', stream) + ` at position ${signed(r.calledAt)} after ${r.seconds.toFixed(2)} s`
    : paint(`no winner (${r.reason})`, 'red', stream) + ` after ${r.seconds.toFixed(2)} s`;
  const lostNote = r.lost === 0 ? '' : r.lost > 0 ? '  (right pulls lost to the race)' : '  (left pulls lost to the race)';
  return [
    `${head}  (--sync ${r.sync}, limit ${r.limit})`,
    `  left pulls    ${String(r.leftPulls).padStart(12)}`,
    `  right pulls   ${String(r.rightPulls).padStart(12)}`,
    `  right - left  ${String(r.expected).padStart(12)}`,
    `  position      ${String(r.position).padStart(12)}`,
    `  lost          ${String(r.lost).padStart(12)}${lostNote}`,
  ].join('\n');
}
