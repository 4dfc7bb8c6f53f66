/**
 * `mm-shm watch`: a live hex view of a shared-memory object. It polls the object with
 * pread (never through a mapping, so another process shrinking it cannot crash the viewer)
 * and shows a new dump whenever the bytes or the size change: redrawn in place on a
 * terminal, appended as a new dump when piped. It ends when stopped (Ctrl-C) or when the
 * object is removed (its link count drops to 0).
 *
 * Between two looks it sleeps on the futex of the object's first word (the doorbell that
 * mm-shm write, wake and the arbiter ring after a change), so a change by an mm tool shows
 * at once; the sleep still ends after `interval` ms, for writers that change the bytes
 * without a wake-up. When the object cannot be mapped read-write by this process (or holds
 * less than one word) it just polls.
 */
import { closeSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { futexWaitAsync, shmOpen } from '@mm/core';
import type { Mapping } from '@mm/core';
import { clockTime } from './format.js';
import { hexDumpLines } from './hexdump.js';
import { openWord } from './latch.js';
import { objectState } from './objects.js';

/** Options of {@link watchObject}. */
export interface WatchOptions {
  /** Poll period in milliseconds. Default 100. */
  interval?: number;
  /** First byte shown. Default 0. */
  offset?: number;
  /** Most bytes shown. Default 64 KiB. */
  length?: number;
  /** Collapse runs of zero lines to `*` (as `xxd -a`). Default true. */
  squeeze?: boolean;
  /** Where to draw. Default process.stdout. */
  out?: NodeJS.WritableStream & { rows?: number };
  /** Redraw in place (a terminal) instead of appending dumps. Default false. */
  redraw?: boolean;
  /** Highlights a changed byte when redrawing (e.g. with colour); none by default. */
  mark?: (text: string) => string;
  /** Stops watching when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Text for the header line's command, e.g. `mm-shm watch hello_shm`. */
  title?: string;
}

/** Why {@link watchObject} returned, and how many dumps it drew. */
export interface WatchResult {
  reason: 'removed' | 'stopped';
  frames: number;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(text)) resolve();
    else out.once('drain', resolve);
  });
}

/** Reads `length` bytes at `position` with pread; fewer if the object is shorter now. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Sleeps until the doorbell rings (a wake-up on the object's first word) or `interval` ms
 * pass; a plain sleep without a doorbell. Throws when `signal` aborts.
 */
async function nap(bell: Mapping | undefined, fd: number, size: number, interval: number, signal?: AbortSignal): Promise<void> {
  const first = size >= 4 ? readAt(fd, 0, 4) : undefined;
  if (bell && first?.length === 4) {
    try {
      // Expected: the word as read now. A change to it since makes the wait return at once.
      await futexWaitAsync(bell, 0, first.readInt32LE(0), { timeout: interval, signal, ref: true });
      return;
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      // EFAULT: the object shrank under the word; fall back to the plain sleep.
    }
  }
  await sleep(interval, undefined, { signal });
}

/**
 * Watches `name` until `signal` aborts or the object is removed. Errors opening it (no
 * such object, permission denied, bad name) are thrown before anything is drawn.
 */
export async function watchObject(name: string, options: WatchOptions = {}): Promise<WatchResult> {
  const interval = options.interval ?? 100;
  const offset = options.offset ?? 0;
  const limit = options.length ?? 64 * 1024;
  const squeeze = options.squeeze ?? true;
  const out = options.out ?? process.stdout;
  const h = shmOpen(name, { readOnly: true });
  const title = options.title ?? `mm-shm watch ${h.name}`;
  let previous: Buffer | undefined;
  let previousSize = -1;
  let frames = 0;
  let bell: Mapping | undefined;
  let bellTried = false;
  try {
    if (options.redraw) await write(out, '\x1b[?25l\x1b[2J');
    for (;;) {
      if (options.signal?.aborted) return { reason: 'stopped', frames };
      const state = objectState(h.fd, h.name);
      if (state.nlink === 0) return { reason: 'removed', frames };
      const start = Math.min(offset, state.size);
      const bytes = readAt(h.fd, start, Math.max(0, Math.min(state.size - start, limit)));
      if (previous === undefined || state.size !== previousSize || !bytes.equals(previous)) {
        const shown = bytes.length === state.size ? `${state.size} bytes` : `bytes ${start}..${start + bytes.length} of ${state.size}`;
        const now = new Date();
        if (options.redraw) {
          const lines = hexDumpLines(bytes, { address: start, squeeze, previous, mark: previous ? options.mark : undefined });
          const rows = Math.max(3, (out.rows && out.rows > 0 ? out.rows : 24) - 2);
          const header = `Every ${interval}ms: ${title}   ${shown}   ${clockTime(now)}`;
          let body = lines;
          if (lines.length > rows) body = [...lines.slice(0, rows - 1), `… ${lines.length - rows + 1} more lines (use --offset/--length)`];
          await write(out, `\x1b[H${header}\x1b[K\n\x1b[K\n${body.map((l) => l + '\x1b[K\n').join('')}\x1b[J`);
        } else {
          const lines = hexDumpLines(bytes, { address: start, squeeze });
          await write(out, `--- ${h.name}: ${shown} at ${clockTime(now)} ---\n${lines.map((l) => l + '\n').join('')}`);
        }
        frames++;
        previous = bytes;
        previousSize = state.size;
      }
      if (!bellTried && state.size >= 4) {
        bellTried = true;
        try {
          bell = openWord(h.name, 0);
        } catch {
          bell = undefined; // e.g. read-only for us: poll only
        }
      }
      try {
        await nap(bell, h.fd, state.size, interval, options.signal);
      } catch {
        return { reason: 'stopped', frames };
      }
    }
  } finally {
    bell?.unmap();
    closeSync(h.fd);
    if (options.redraw) await write(out, '\x1b[?25h');
  }
}
