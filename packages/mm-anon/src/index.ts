/** Library API of mm-anon (importable without spawning the CLI). */
export { shareThroughFork, wakeSignal, DEFAULT_SLOT_SIZE, DEFAULT_SLOTS } from './anon.js';
export type { ShareOptions, ShareResult } from './anon.js';
export { openInput, closeInput } from './input.js';
export type { Input } from './input.js';
export { runAnon, privateReport } from './run.js';
export type { RunOptions } from './run.js';
