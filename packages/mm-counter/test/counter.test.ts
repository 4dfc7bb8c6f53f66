// The library, called in-process: opening/growing the file, counting, wrap detection,
// the atomic one-liners, MAP_PRIVATE and refusing files that cannot be mapped.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Counter, openCounter, readCounter, parseCounterValue, checkCounterValue, wrapTo, jsonLine } from '../src/index.js';
import { tempDir } from '@mm/testkit';

const tmp = tempDir('mm-counter-lib-');
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (name = 'c') => join(tmp.path, `${name}-${n++}.bin`);

async function withCounter<T>(c: Counter, f: (c: Counter) => T | Promise<T>): Promise<T> {
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

describe('openCounter', () => {
  it('creates a missing file as 4 zero bytes (8 for width 64)', () => {
    const a = fresh();
    openCounter(a).close();
    expect(readFileSync(a)).toEqual(Buffer.alloc(4));
    const b = fresh();
    openCounter(b, { width: 64 }).close();
    expect(readFileSync(b)).toEqual(Buffer.alloc(8));
  });

  it('refuses a non-empty file shorter than the counter, leaving it as it was; leaves a longer file as it is', async () => {
    const s = fresh();
    writeFileSync(s, Buffer.from([7, 1]));
    expect(() => openCounter(s)).toThrow(`${s}: 2 bytes, shorter than a 32-bit counter (4 bytes); not a counter file? (an empty file starts at 0)`);
    expect(readFileSync(s)).toEqual(Buffer.from([7, 1]));
    const l = fresh();
    writeFileSync(l, Buffer.from('\x05\x00\x00\x00tail bytes'));
    await withCounter(openCounter(l), (c) => c.count({ count: 10, sync: 'atomic' }));
    expect(readFileSync(l)).toEqual(Buffer.from('\x0f\x00\x00\x00tail bytes'));
  });

  it('refuses a directory, a FIFO and a /proc file with a SystemError naming the file, changing nothing', () => {
    const dir = join(tmp.path, 'dir');
    mkdirSync(dir);
    expect(() => openCounter(dir)).toThrow(expect.objectContaining({ code: 'EISDIR', message: `${dir}: Is a directory` }));
    const fifo = fresh('fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => openCounter(fifo)).toThrow(expect.objectContaining({ code: 'ENODEV', message: `${fifo}: No such device` }));
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(() => openCounter('/proc/self/comm')).toThrow(/^\/proc\/self\/comm: /);
    expect(() => openCounter(join(tmp.path, 'no', 'such', 'dir'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('Counter.count', () => {
  it('makes exactly COUNT increments alone, in many chunks, in both modes and widths', async () => {
    for (const width of [32, 64] as const) {
      for (const sync of ['none', 'atomic'] as const) {
        const f = fresh();
        const chunks: number[] = [];
        const r = await withCounter(openCounter(f, { width }), (c) =>
          c.count({ count: 3_000_000, sync, chunkMs: 1, onProgress: (done) => chunks.push(done) }),
        );
        expect(r).toMatchObject({ start: 0n, end: 3_000_000n, done: 3_000_000, wrapped: false, interrupted: false });
        expect(chunks.length).toBeGreaterThan(1);
        expect(chunks.at(-1)).toBe(3_000_000);
        const buf = readFileSync(f);
        expect(width === 32 ? buf.readInt32LE(0) : Number(buf.readBigInt64LE(0))).toBe(3_000_000);
      }
    }
  });

  it('0 increments reports the current value and changes nothing', async () => {
    const f = fresh();
    writeFileSync(f, Buffer.from([42, 0, 0, 0]));
    const r = await withCounter(openCounter(f), (c) => c.count({ count: 0, sync: 'atomic' }));
    expect(r).toMatchObject({ start: 42n, end: 42n, done: 0, interrupted: false });
    expect(readFileSync(f).readInt32LE(0)).toBe(42);
  });

  it('wraps like a C int32/int64 and says so', async () => {
    const f = fresh();
    const r = await withCounter(openCounter(f), (c) => {
      c.set(2n ** 31n - 10n);
      return c.count({ count: 20, sync: 'none' });
    });
    expect(r).toMatchObject({ end: -(2n ** 31n) + 10n, wrapped: true });
    expect(readFileSync(f).readInt32LE(0)).toBe(-(2 ** 31) + 10);
    const g = fresh();
    const r64 = await withCounter(openCounter(g, { width: 64 }), (c) => {
      c.set(2n ** 63n - 1n);
      return c.count({ count: 2, sync: 'atomic' });
    });
    expect(r64).toMatchObject({ end: -(2n ** 63n) + 1n, wrapped: true });
    const h = fresh();
    const none = await withCounter(openCounter(h), (c) => {
      c.set(2n ** 31n - 100n);
      return c.count({ count: 50, sync: 'atomic' });
    });
    expect(none.wrapped).toBe(false);
  });

  it('stops between chunks when its signal is aborted, with the value reached on disk', async () => {
    const f = fresh();
    const stop = new AbortController();
    const r = await withCounter(openCounter(f), (c) =>
      c.count({ count: 1e12, sync: 'atomic', chunkMs: 5, signal: stop.signal, onProgress: (done) => done > 100_000 && stop.abort() }),
    );
    expect(r.interrupted).toBe(true);
    expect(r.done).toBeGreaterThan(100_000);
    expect(r.done).toBeLessThan(1e12);
    expect(BigInt(readFileSync(f).readInt32LE(0))).toBe(r.end);
    expect(r.end).toBe(BigInt(r.done));
  });
});

describe('get, set, add', () => {
  it('set returns the old value, add returns before/after and flags a wrap', async () => {
    const f = fresh();
    await withCounter(openCounter(f), (c) => {
      expect(c.get()).toBe(0n);
      expect(c.set(-5n)).toBe(0n);
      expect(c.add(12n)).toEqual({ before: -5n, after: 7n, wrapped: false });
      expect(c.add(2n ** 31n - 1n)).toEqual({ before: 7n, after: -(2n ** 31n) + 6n, wrapped: true });
      expect(() => c.set(2n ** 31n)).toThrow(/does not fit a 32-bit counter/);
    });
    expect(readFileSync(f).readInt32LE(0)).toBe(-(2 ** 31) + 6);
    const g = fresh();
    await withCounter(openCounter(g, { width: 64 }), (c) => {
      c.set(2n ** 62n);
      expect(c.add(3n).after).toBe(2n ** 62n + 3n);
    });
    expect(readFileSync(g).readBigInt64LE(0)).toBe(2n ** 62n + 3n);
  });

  it('readCounter reads without creating or growing anything', () => {
    const missing = fresh();
    expect(() => readCounter(missing)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(existsSync(missing)).toBe(false);
    const empty = fresh();
    writeFileSync(empty, '');
    expect(readCounter(empty)).toBe(0n);
    expect(statSync(empty).size).toBe(0);
    const short = fresh();
    writeFileSync(short, Buffer.from([1, 2]));
    expect(readCounter(short)).toBe(0x0201n);
    expect(statSync(short).size).toBe(2);
    const wide = fresh();
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(-(2n ** 40n));
    writeFileSync(wide, b);
    expect(readCounter(wide, 64)).toBe(-(2n ** 40n));
  });
});

describe('--private (MAP_PRIVATE)', () => {
  it('counts in its own copy; the file keeps its value', async () => {
    const f = fresh();
    writeFileSync(f, Buffer.from([42, 0, 0, 0]));
    const r = await withCounter(openCounter(f, { private: true }), (c) => c.count({ count: 1000, sync: 'none' }));
    expect(r.end).toBe(1042n);
    expect(readFileSync(f)).toEqual(Buffer.from([42, 0, 0, 0]));
    const g = fresh();
    await withCounter(openCounter(g, { private: true, width: 64 }), (c) => c.count({ count: 5, sync: 'atomic' }));
    expect(readFileSync(g)).toEqual(Buffer.alloc(8));
  });
});

describe('values', () => {
  it('parseCounterValue takes signed digits of any size and count shorthands', () => {
    expect(parseCounterValue('17')).toBe(17n);
    expect(parseCounterValue('-17')).toBe(-17n);
    expect(parseCounterValue('+3')).toBe(3n);
    expect(parseCounterValue('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(parseCounterValue('-1e6')).toBe(-1_000_000n);
    expect(parseCounterValue('2K')).toBe(2000n);
    for (const bad of ['', '-', 'x', '1.5', '--1', '0x10', '1e']) expect(() => parseCounterValue(bad), bad).toThrow(/invalid value/);
  });

  it('checkCounterValue and wrapTo follow the signed range of the width', () => {
    expect(checkCounterValue(32, -(2n ** 31n))).toBe(-(2n ** 31n));
    expect(() => checkCounterValue(32, 2n ** 31n)).toThrow(/-2147483648\.\.2147483647/);
    expect(checkCounterValue(64, 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(wrapTo(32, 3n * 10n ** 9n)).toBe(3_000_000_000n - 2n ** 32n);
  });

  it('jsonLine writes bigints as exact numbers', () => {
    expect(jsonLine({ a: 2n ** 63n - 1n, b: 'x', c: true, d: 1.5 })).toBe('{"a":9223372036854775807,"b":"x","c":true,"d":1.5}\n');
  });
});
