// growPipe: F_SETPIPE_SZ on a pipe, nothing on anything else.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { growPipe } from '../src/index.js';
import { tempDir } from '@mm/testkit';

const tmp = tempDir('mm-pipe-');
afterAll(() => tmp.cleanup());

describe('growPipe', () => {
  it('a pipe grows to hold what was asked (a FIFO here); a second call keeps it', () => {
    const fifo = join(tmp.path, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const fd = openSync(fifo, 'r+');
    const before = growPipe(fd, 0);
    expect(before).toBeGreaterThanOrEqual(4096);
    const after = growPipe(fd, 256 * 1024);
    expect(after).toBeGreaterThanOrEqual(256 * 1024);
    expect(growPipe(fd, 4096)).toBe(after); // never shrinks
    // What it holds now: one non-blocking write of 256 KiB goes in whole with nobody reading
    // (a 64 KiB pipe would take 64 KiB of it).
    const w = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    expect(writeSync(w, Buffer.alloc(256 * 1024))).toBe(256 * 1024);
    closeSync(w);
    closeSync(fd);
  });

  it('a regular file is not a pipe: 0, and the file is untouched', () => {
    const f = join(tmp.path, 'plain');
    writeFileSync(f, 'x');
    const fd = openSync(f, 'r');
    expect(growPipe(fd, 1 << 20)).toBe(0);
    closeSync(fd);
  });
});
