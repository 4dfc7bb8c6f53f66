// mm-shm wait / wake: a word of a shm object as a latch and a barrier for shell scripts, and
// watch woken by mm-shm's writers instead of waiting for its next poll.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, truncateSync } from 'node:fs';
import { futexWake } from '@mm/core';
import { binDir, runBash } from '@mm/testkit';
import { openWord } from '../src/latch.js';
import { BIN, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('latch');
const bins = binDir();
const sh = (script: string) => runBash(script, { env: bins.env, timeoutMs: 60_000 });
const word = (n: string, at = 0): number => readFileSync(`/dev/shm/${n}`).readInt32LE(at);

/** Polls until `count` processes sleep on the word (a wake-up that leaves it unchanged reaches each once). */
async function sleepers(n: string, offset: number, count: number): Promise<number> {
  const m = openWord(n, offset);
  let seen = 0;
  try {
    for (let i = 0; i < 3000 && seen < count; i++) {
      seen = Math.max(seen, futexWake(m, 0));
      if (seen < count) await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    m.unmap();
  }
  return seen;
}

describe('mm-shm wait and wake', () => {
  it('a latch: `wait --until 1` sleeps on the word and `wake --set 1` releases it', async () => {
    const n = newName();
    expect((await shm(['create', n, '--size', '16'])).code).toBe(0);
    const waiter = shm(['wait', n, '--offset', '8', '--until', '1']);
    expect(await sleepers(n, 8, 1)).toBe(1);
    const woke = await shm(['wake', n, '--offset', '8', '--set', '1']);
    expect(woke.stdout.toString()).toBe('1\n');
    const r = await waiter;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('1\n');
    expect(word(n, 8)).toBe(1);
    expect(word(n, 0)).toBe(0);
    expect((await shm(['rm', n])).code).toBe(0);
  });

  it('a barrier of 6 background jobs: each adds 1 and waits for 6; all are released with 6', async () => {
    const n = newName();
    const r = await sh(`mm-shm create ${n} --size 4
      for i in $(seq 6); do (mm-shm wake ${n} --add 1 > /dev/null; mm-shm wait ${n} --until 6) & done; wait
      mm-shm read ${n} | od -An -t d4; mm-shm rm ${n}`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString().split('\n').map((l) => l.trim())).toEqual(['6', '6', '6', '6', '6', '6', '6', '']);
  });

  it('without --while/--until it waits for any change; --while V returns at once when the word is not V', async () => {
    const n = newName();
    await shm(['create', n, '--size', '4']);
    const waiter = shm(['wait', n]);
    expect(await sleepers(n, 0, 1)).toBe(1);
    // A wake-up that changes nothing is slept through.
    expect((await shm(['wake', n])).stdout.toString()).toBe('1\n');
    expect(await sleepers(n, 0, 1)).toBe(1);
    expect((await shm(['wake', n, '--add', '-3'])).code).toBe(0);
    expect((await waiter).stdout.toString()).toBe('-3\n');
    const now = await shm(['wait', n, '--while', '0xffffffff']);
    expect(now.stdout.toString()).toBe('-3\n');
    await shm(['rm', n]);
  });

  it('timeout, Ctrl-C, bad offsets and bad values: one line, the right exit code, the object unchanged', async () => {
    const n = newName();
    await shm(['create', n, '--size', '8']);
    const late = await shm(['wait', n, '--until', '5', '--timeout', '50']);
    expect([late.code, late.stdout.toString(), late.stderr]).toEqual([1, '', `mm-shm: ${n}: timed out after 50 ms (the word at offset 0 is 0)\n`]);
    const child = spawn(process.execPath, [BIN, 'wait', n, '--until', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    expect(await sleepers(n, 0, 1)).toBe(1); // asleep, so its SIGINT handler is in place
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(err).toBe(`mm-shm: SIGINT: stopped waiting on ${n} (the word at offset 0 is 0)\n`);
    const mis = await shm(['wake', n, '--offset', '2', '--set', '1']);
    expect([mis.code, mis.stderr.split('\n')[0]]).toEqual([2, 'mm-shm: invalid offset: 2 is not a multiple of 4 (a futex word is 4-byte aligned)']);
    const short = await shm(['wait', n, '--offset', '8']);
    expect([short.code, short.stderr]).toEqual([1, `mm-shm: ${n}: no 32-bit word at offset 8: the object is 8 bytes\n`]);
    const big = await shm(['wake', n, '--set', '4294967296']);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain("'4294967296' does not fit 32 bits");
    const both = await shm(['wait', n, '--while', '1', '--until', '2']);
    expect([both.code, both.stderr.split('\n')[0]]).toEqual([2, 'mm-shm: --while and --until cannot be used together']);
    const missing = await shm(['wake', `${n}_none`, '--set', '1']);
    expect([missing.code, missing.stderr]).toEqual([1, `mm-shm: ${n}_none: No such file or directory\n`]);
    expect(readFileSync(`/dev/shm/${n}`)).toEqual(Buffer.alloc(8));
    await shm(['rm', n]);
  });
});

describe('a hostile neighbour', () => {
  it('another process cuts the object short under a sleeping `wait`: one line, exit 1, no SIGBUS', async () => {
    const n = newName();
    await shm(['create', n, '--size', '64']);
    const waiter = shm(['wait', n, '--offset', '32', '--until', '5']);
    expect(await sleepers(n, 32, 1)).toBe(1);
    truncateSync(`/dev/shm/${n}`, 0);
    const r = await waiter;
    expect(r.signal).toBeNull();
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([1, '', `mm-shm: ${n}: the object was cut short under the word at offset 32\n`]);
    await shm(['rm', n]);
  });
});

describe('mm-shm watch and the doorbell', () => {
  it('with an hour between polls, a change by `mm-shm write` still shows at once (watch sleeps on the futex)', async () => {
    const n = newName();
    await shm(['create', n, '--size', '32']);
    const child = spawn(process.execPath, [BIN, 'watch', n, '--interval', '3600000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const dumps = (): number => (out.match(/^--- /gm) ?? []).length;
    const until = async (test: () => boolean): Promise<void> => {
      for (let i = 0; i < 2000 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => dumps() === 1);
    // Wait until watch sleeps on the doorbell, then change a byte away from the first word.
    expect(await sleepers(n, 0, 1)).toBe(1);
    const w = await sh(`printf 'knock' | mm-shm write ${n} --offset 16`);
    expect(w.code).toBe(0);
    await until(() => dumps() === 2);
    child.kill('SIGINT');
    await closed;
    expect(dumps()).toBe(2);
    expect(out).toContain('knock');
    await shm(['rm', n]);
  });
});
