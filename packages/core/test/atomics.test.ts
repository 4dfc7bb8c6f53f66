import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { incrementLoop, mapAnonymous, addUntilStop } from '../src/index.js';
import { tempDir, runCommand } from '@mm/testkit';

const tmp = tempDir('mm-atomics-');
afterAll(() => tmp.cleanup());
const core = new URL('../dist/index.js', import.meta.url).pathname;

async function inParallel(n: number, script: string): Promise<void> {
  const runs = await Promise.all(Array.from({ length: n }, () => runCommand(process.execPath, ['--input-type=module', '-e', script])));
  for (const r of runs) expect(r.stderr).toBe('');
}

describe('atomics across processes through a shared file mapping', () => {
  it('Atomics.add from 4 processes gives the exact total', async () => {
    const p = join(tmp.path, 'atomic.bin');
    writeFileSync(p, Buffer.alloc(4));
    await inParallel(4, `const mm = await import(${JSON.stringify(core)}); const a = new Int32Array(mm.openMapping(${JSON.stringify(p)}, { access: 'rw' }).buffer); for (let i = 0; i < 1e6; i++) Atomics.add(a, 0, 1);`);
    expect(readFileSync(p).readInt32LE(0)).toBe(4_000_000);
  });

  it('plain a[0]++ from 4 processes is a separate load and store: never more than the total', async () => {
    const p = join(tmp.path, 'racy.bin');
    writeFileSync(p, Buffer.alloc(4));
    await inParallel(4, `const mm = await import(${JSON.stringify(core)}); const a = new Int32Array(mm.openMapping(${JSON.stringify(p)}, { access: 'rw' }).buffer); for (let i = 0; i < 1e6; i++) a[0]++;`);
    const got = readFileSync(p).readInt32LE(0);
    console.log(`racy JS increments: ${got} of 4000000 (${4_000_000 - got} lost)`);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(4_000_000);
  });

  it('the native atomic incrementLoop from 4 processes gives the exact total; the racy one never more', async () => {
    for (const [atomic, name] of [[true, 'native-atomic.bin'], [false, 'native-racy.bin']] as const) {
      const p = join(tmp.path, name);
      writeFileSync(p, Buffer.alloc(8));
      await inParallel(4, `const mm = await import(${JSON.stringify(core)}); const m = mm.openMapping(${JSON.stringify(p)}, { access: 'rw' }); for (let i = 0; i < 10; i++) mm.incrementLoop(m, { atomic: ${atomic}, count: 1e6 });`);
      const got = readFileSync(p).readInt32LE(0);
      if (atomic) expect(got).toBe(40_000_000);
      else {
        console.log(`racy native increments: ${got} of 40000000`);
        expect(got).toBeLessThanOrEqual(40_000_000);
        expect(got).toBeGreaterThanOrEqual(10_000_000);
      }
    }
  });

  it('incrementLoop returns the last value, wraps like C int32, and handles int64 exactly', () => {
    const m = mapAnonymous(16);
    const i32 = new Int32Array(m.buffer);
    i32[0] = 2 ** 31 - 2;
    expect(incrementLoop(m, { atomic: true, count: 1 })).toBe(2 ** 31 - 1);
    expect(incrementLoop(m, { atomic: false, count: 1 })).toBe(-(2 ** 31));
    expect(incrementLoop(m, { atomic: true, count: 0 })).toBe(-(2 ** 31));
    const i64 = new BigInt64Array(m.buffer);
    i64[1] = 2n ** 53n;
    expect(incrementLoop(m, { atomic: true, count: 3, width: 64, offset: 8 })).toBe(2n ** 53n + 3n);
    expect(() => incrementLoop(m, { atomic: true, count: 1, offset: 2 })).toThrow(/aligned/);
    expect(() => incrementLoop(m, { atomic: true, count: 1, offset: 16 })).toThrow(/outside/);
  });

  it('addUntilStop adds the step to the word per step and stops when the stop word is set', () => {
    const m = mapAnonymous(8);
    const s = new Int32Array(m.buffer);
    expect(addUntilStop(m, { offset: 0, stopOffset: 4, step: -1, atomic: true, max: 1000 })).toBe(1000);
    expect(addUntilStop(m, { offset: 0, stopOffset: 4, step: 1, atomic: false, max: 250 })).toBe(250);
    expect(s[0]).toBe(-750);
    Atomics.store(s, 1, 1);
    expect(addUntilStop(m, { offset: 0, stopOffset: 4, step: 1, atomic: true, max: 1000 })).toBe(0);
    expect(s[0]).toBe(-750);
  });
});
