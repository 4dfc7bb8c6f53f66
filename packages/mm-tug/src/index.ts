/** Library API of mm-tug (importable without spawning the CLI). */
export { runGame, STALE_MS, MAX_LIMIT } from './arbiter.js';
export type { GameOptions, DisplayMode } from './arbiter.js';
export { runPlayer, attachGame } from './player.js';
export type { PlayerOptions, PlayerReport, Outcome } from './player.js';
export { runDemo } from './demo.js';
export type { DemoOptions } from './demo.js';
export { drawRope, plainLine, resultLine, resultText, ttyLine, formatCount, signed } from './display.js';
export type { GameResult, Snapshot } from './display.js';
export { GameView, MAGIC, LAYOUT_VERSION, LAYOUT_SIZE, OFFSET, SIDE_OFFSET, State, SyncCode, Result, Status, SIDES, REASON, opposite } from './layout.js';
export type { Side, SyncMode, StateName, ResultCode } from './layout.js';
