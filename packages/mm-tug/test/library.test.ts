// The library without the CLI: layout access, the rope drawing, and a whole
// game played in this process by runGame and two runPlayer calls.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { uniqueShmName } from '@mm/testkit';
import { drawRope, formatCount, GameView, LAYOUT_SIZE, OFFSET, resultLine, runGame, runPlayer, SIDE_OFFSET, signed, attachGame } from '../src/index.js';

const names: string[] = [];
afterEach(() => {
  const left = names.filter((n) => existsSync(`/dev/shm/${n}`));
  for (const n of left) rmSync(`/dev/shm/${n}`, { force: true });
  names.length = 0;
  expect(left, 'objects left behind in /dev/shm').toEqual([]);
});

describe('drawRope', () => {
  it('puts the knot between LEFT (-limit) and RIGHT (+limit), the middle marked', () => {
    expect(drawRope(0, 10, 11)).toBe('-----O-----');
    expect(drawRope(4, 10, 11)).toBe('-----|-O---');
    expect(drawRope(10, 10, 11)).toBe('-----|----O');
    expect(drawRope(-25, 10, 11)).toBe('O----|-----');
    expect(drawRope(-5, 10, 11)).toHaveLength(11);
  });

  it('formats counts and signs for people', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12_345)).toBe('12.3K');
    expect(formatCount(98_765_432)).toBe('98.8M');
    expect(signed(5)).toBe('+5');
    expect(signed(-5)).toBe('-5');
    expect(signed(0)).toBe('0');
  });
});

describe('GameView', () => {
  it('reads and writes the documented offsets', () => {
    const buf = new ArrayBuffer(LAYOUT_SIZE);
    const v = new GameView(buf);
    v.store(OFFSET.position, -7);
    v.store64(OFFSET.right + SIDE_OFFSET.pulls, 2 ** 40 + 3);
    const dv = new DataView(buf);
    expect(dv.getInt32(64, true)).toBe(-7);
    expect(dv.getBigInt64(192 + 8, true)).toBe(2n ** 40n + 3n);
    expect(v.position()).toBe(-7);
    expect(v.pulls('right')).toBe(2 ** 40 + 3);
  });

  it('lets exactly one player take a side', () => {
    const v = new GameView(new ArrayBuffer(LAYOUT_SIZE));
    expect(v.compareExchange(OFFSET.left + SIDE_OFFSET.pid, 0, 111)).toBe(0);
    expect(v.compareExchange(OFFSET.left + SIDE_OFFSET.pid, 0, 222)).toBe(111);
    expect(v.pid('left')).toBe(111);
    expect(v.pid('right')).toBe(0);
  });

  it('refuses a buffer smaller than the layout', () => {
    expect(() => new GameView(new ArrayBuffer(LAYOUT_SIZE - 8))).toThrow(RangeError);
  });
});

describe('a game in one process', () => {
  it('runGame and two runPlayer calls: atomic pulls all count, each report matches the result', async () => {
    const name = uniqueShmName('mmtug');
    names.push(name);
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
    const arbiter = runGame({ name, limit: 300_000, timeoutMs: 5000, sync: 'atomic', intervalMs: 1000, display: 'json', out, hint: false });
    const [result, left, right] = await Promise.all([arbiter, runPlayer('left', { name, timeoutMs: 5000 }), runPlayer('right', { name, timeoutMs: 5000, sync: 'atomic' })]);
    expect(JSON.parse(text)).toEqual(result);
    const r = result;
    expect(r.reason).toBe('limit');
    expect(left.pulls).toBe(r.leftPulls);
    expect(right.pulls).toBe(r.rightPulls);
    expect(r.position).toBe(r.rightPulls - r.leftPulls);
    expect(r.lost).toBe(0);
    expect(left.outcome).toBe(r.winner === 'left' ? 'won' : 'lost');
    expect(right.outcome).toBe(r.winner === 'right' ? 'won' : 'lost');
    expect(resultLine(r)).toMatch(new RegExp(`^result winner=${r.winner} reason=limit sync=atomic limit=300000 called-at=${r.calledAt} left=${r.leftPulls} right=${r.rightPulls} `));
    expect(existsSync(`/dev/shm/${name}`)).toBe(false);
  });

  it('a step that throws mid-game (the display fails) still ends the game for the players at once and removes the object', async () => {
    const name = uniqueShmName('mmtug');
    names.push(name);
    let lines = 0;
    const out = {
      write(): boolean {
        lines++;
        throw new Error('the display failed');
      },
    } as unknown as NodeJS.WriteStream;
    const arbiter = runGame({ name, limit: 2 ** 31 - 2, timeoutMs: 5000, sync: 'atomic', intervalMs: 10, display: 'plain', out, hint: false });
    const players = Promise.all([runPlayer('left', { name, timeoutMs: 5000 }), runPlayer('right', { name, timeoutMs: 5000 })]);
    await expect(arbiter).rejects.toThrow('the display failed');
    expect(lines).toBe(1);
    // Told by the arbiter's clean-up, not left to find its heartbeat silent seconds later.
    const [left, right] = await players;
    expect(left.outcome).toBe('interrupted');
    expect(right.outcome).toBe('interrupted');
    expect(existsSync(`/dev/shm/${name}`)).toBe(false);
  });

  it('attachGame gives up with a message naming the object', async () => {
    const name = uniqueShmName('mmtug');
    await expect(attachGame(name, 100)).rejects.toThrow(`${name}: no arbiter after 0.1 s`);
  });

  it('a player told to stop while it waits for an arbiter quits without pulling', async () => {
    const name = uniqueShmName('mmtug');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const report = await runPlayer('left', { name, timeoutMs: 10_000, signal: ac.signal });
    expect(report).toMatchObject({ side: 'left', pulls: 0, outcome: 'quit', pid: process.pid });
  });
});
