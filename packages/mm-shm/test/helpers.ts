// Shared by the mm-shm suites: the built bin, unique object names under one prefix per
// suite, and a check that a suite leaves nothing behind in /dev/shm.
import { afterEach, beforeEach, expect } from 'vitest';
import { rmSync } from 'node:fs';
import { binPath, runBin, shmObjects, uniqueShmName, type RunOptions, type RunResult } from '@mm/testkit';

export const BIN = binPath('mm-shm');

/** Runs the built mm-shm. */
export function shm(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runBin(BIN, args, options);
}

/**
 * Object names for one suite, all starting with the returned prefix; after each test the
 * suite's objects are removed and the test fails if it left any behind.
 */
export function shmNames(suite: string): { name: () => string; prefix: string } {
  const prefix = `mmshm${suite}_${process.pid}`;
  let before: string[] = [];
  beforeEach(() => {
    before = shmObjects(prefix);
  });
  afterEach(() => {
    const left = shmObjects(prefix).filter((n) => !before.includes(n));
    for (const n of left) rmSync(`/dev/shm/${n}`, { force: true });
    expect(left, 'objects left in /dev/shm').toEqual([]);
  });
  return { name: () => uniqueShmName(prefix), prefix };
}

/** Deterministic pseudo-random bytes (xorshift), so a failure is reproducible. */
export function patternBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
