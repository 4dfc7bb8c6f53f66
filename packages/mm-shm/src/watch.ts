/**
 * `mm-shm watch`: a live hex view of a shared-memory object. It polls the object with
 * pread (never through a mapping, so another process shrinking it cannot crash the viewer)
 * and shows a new dump whenever the bytes or the size change: redrawn in place on a
 * terminal, appended as a new dump when piped. It ends when stopped (Ctrl-C) or when the
 * object is removed (its link count drops to 0).
 */
import { closeSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { shmOpen } from '@mm/core';
import { clockTime } from './format.js';
import { hexDumpLines } from './hexdump.js';
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
 * Watches `name` until `signal` aborts or the object is removed. Errors opening it (no
 * such object, permission denied, bad name) are thrown before anything is drawn.
 */
export async function watchObject(name: string, options: WatchOptions = {}): Promise<WatchResult> {
  const interval = options.interval ?? 100;
  const offset = options.offset ?? 0;
  const limit = options.length ?? 64 * 1024;
  const squeeze = options.squeeze ?? true;
  const out = options.out ?? process.stdout;
  const h = shmOpen(name, { access: 'r' });
  const title = options.title ?? `mm-shm watch ${h.name}`;
  let previous: Buffer | undefined;
  let previousSize = -1;
  let frames = 0;
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
      try {
        await sleep(interval, undefined, { signal: options.signal });
      } catch {
        return { reason: 'stopped', frames };
      }
    }
  } finally {
    closeSync(h.fd);
    if (options.redraw) await write(out, '\x1b[?25h');
  }
}
