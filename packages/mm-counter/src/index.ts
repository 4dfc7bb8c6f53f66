/** Library API of mm-counter (importable without spawning the CLI). */
export { Counter, STDIN, openCounter, readCounter, parseCounterValue, checkCounterValue, counterRange, wrapTo } from './counter.js';
export type { Width, SyncMode, OpenCounterOptions, CountOptions, CountResult } from './counter.js';
export { runCounter, jsonLine, wrapNote } from './run.js';
export type { CounterCliOptions, CounterIo } from './run.js';
