// Small process helpers the arbiter and the players share: waiting, and telling whether a
// pid still belongs to a running process.
import { readFileSync } from 'node:fs';

/** Resolves after `ms` milliseconds (a timer, so the event loop keeps turning). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop, after pending I/O and signal handlers. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * True while `pid` is a live process: `kill(pid, 0)` succeeds (EPERM also means it exists)
 * and /proc does not show it as a zombie — a player killed with `kill -9` whose parent has
 * not reaped it yet counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}
