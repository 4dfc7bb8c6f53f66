// mm-shm read of an object larger than one mapped window: byte for byte across window
// edges, into a pipe (which it grows) and into a file, with --offset/--length crossing an edge.
import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { runBash } from '@mm/testkit';
import { READ_WINDOW } from '../src/index.js';
import { BIN, patternBytes, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('readwin');

describe('read across mapped windows', () => {
  it('an object of two windows and a bit comes out whole, through a pipe and into a file', async () => {
    const n = newName();
    const data = patternBytes(2 * READ_WINDOW + 4097);
    writeFileSync(`/dev/shm/${n}`, data);
    const r = await shm(['read', n]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(r.stdout.equals(data)).toBe(true);
    const viaPipe = await runBash(`"${process.execPath}" "${BIN}" read ${n} | cmp - /dev/shm/${n} && echo same`);
    expect(viaPipe.stdout.toString()).toBe('same\n');
    rmSync(`/dev/shm/${n}`);
  });

  it('--offset and --length that cross a window edge', async () => {
    const n = newName();
    const data = patternBytes(READ_WINDOW + 10_000);
    writeFileSync(`/dev/shm/${n}`, data);
    const r = await shm(['read', n, '--offset', String(READ_WINDOW - 5), '--length', '12']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data.subarray(READ_WINDOW - 5, READ_WINDOW + 7))).toBe(true);
    rmSync(`/dev/shm/${n}`);
  });
});
