// The slot ring: a forked child writes published slots to an fd; the parent fills them.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSlotRing, fillSlots, forkRingWriter, stopSlotRing, waitChild, RING_HEADER, RING_MAX_SLOTS } from '../src/index.js';
import { tempDir } from '@mm/testkit';

const tmp = tempDir('mm-ring-');
afterAll(() => tmp.cleanup());

let n = 0;
const bytesOf = (len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (i * 13 + (i >> 9)) & 0xff));

/** Streams `data` (from a file) through a ring into another file; returns what came out and the fill results. */
async function stream(data: Buffer, ring: { slotSize: number; slots: number; sharing?: 'shared' | 'private' }) {
  const src = join(tmp.path, `in-${n}`);
  const dst = join(tmp.path, `out-${n++}`);
  writeFileSync(src, data);
  const r = createSlotRing(ring);
  const inFd = openSync(src, 'r');
  const outFd = openSync(dst, 'w');
  const pid = forkRingWriter(r, { signal: 'SIGUSR2', outFd });
  const exit = waitChild(pid);
  const first = await fillSlots(r, inFd, { maxSlots: 1, name: src });
  process.kill(pid, 'SIGUSR2');
  const rest = first.end || ring.sharing === 'private' ? null : await fillSlots(r, inFd, { name: src });
  const e = await exit;
  closeSync(inFd);
  closeSync(outFd);
  r.mapping.unmap();
  return { out: readFileSync(dst), first, rest, exit: e };
}

describe('slot ring', () => {
  it('maps the header and the slots, and refuses impossible shapes', () => {
    const r = createSlotRing({ slotSize: 100, slots: 3 });
    expect(r.mapping.length).toBe(RING_HEADER + 300);
    expect(r.capacity).toBe(300);
    r.mapping.unmap();
    expect(() => createSlotRing({ slots: 0 })).toThrow(/slots must be between 1 and/);
    expect(() => createSlotRing({ slots: RING_MAX_SLOTS + 1 })).toThrow(/slots must be between 1 and/);
    expect(() => createSlotRing({ slotSize: 0 })).toThrow(/slot size/);
  });

  for (const len of [0, 1, 299, 300, 301, 100 * 300 + 7]) {
    it(`${len} bytes through 3 slots of 100: one signal, then the ring alone, byte for byte`, async () => {
      const data = bytesOf(len);
      const { out, first, rest, exit } = await stream(data, { slotSize: 100, slots: 3 });
      expect(exit.code).toBe(0);
      expect(out.equals(data)).toBe(true);
      expect(first.slots).toBe(1);
      expect(first.bytes).toBe(Math.min(len, 100));
      expect(first.end).toBe(len === 0);
      if (rest) {
        expect(rest.end).toBe(true);
        expect(first.bytes + rest.bytes).toBe(len);
        // Data slots, then the empty end-of-data slot.
        expect(rest.slots).toBe(Math.ceil(len / 100) - 1 + 1);
      }
    });
  }

  it('a private ring: the child sees its snapshot from the fork, nothing published, and writes nothing', async () => {
    const { out, exit } = await stream(bytesOf(1000), { slotSize: 100, slots: 3, sharing: 'private' });
    expect(exit.code).toBe(0);
    expect(out.length).toBe(0);
  });

  it('stopSlotRing ends a fill that waits for input that never comes', async () => {
    const r = createSlotRing({ slotSize: 64, slots: 2 });
    const [rd, wr] = pipe();
    const pending = fillSlots(r, rd, { name: 'a pipe' });
    setTimeout(() => stopSlotRing(r), 50);
    const res = await pending;
    expect(res).toEqual({ bytes: 0, slots: 0, end: false, stopped: true, writeErrno: null });
    closeSync(rd);
    closeSync(wr);
    r.mapping.unmap();
  });

  it("a failed write in the child stops the fill and reports the child's errno", async () => {
    const r = createSlotRing({ slotSize: 64, slots: 2 });
    const src = join(tmp.path, `in-${n++}`);
    writeFileSync(src, bytesOf(64 * 50));
    const inFd = openSync(src, 'r');
    const full = openSync('/dev/full', 'w');
    const pid = forkRingWriter(r, { outFd: full });
    const exit = waitChild(pid);
    await fillSlots(r, inFd, { maxSlots: 1 });
    process.kill(pid, 'SIGUSR1');
    const res = await fillSlots(r, inFd);
    expect(res.stopped).toBe(true);
    expect(res.end).toBe(false);
    expect(res.writeErrno).toBe(28); // ENOSPC
    expect((await exit).code).toBe(1);
    closeSync(inFd);
    closeSync(full);
    r.mapping.unmap();
  });

  it('a read error rejects with the input named', async () => {
    const r = createSlotRing({ slotSize: 64, slots: 2 });
    const dir = openSync(tmp.path, 'r');
    await expect(fillSlots(r, dir, { name: 'the dir' })).rejects.toThrow(expect.objectContaining({ code: 'EISDIR', message: 'the dir: Is a directory' }));
    closeSync(dir);
    r.mapping.unmap();
  });
});

/** A FIFO opened at both ends (read end O_RDWR, so the open does not wait for a writer). */
function pipe(): [number, number] {
  const fifo = join(tmp.path, `fifo-${n++}`);
  const r = spawnSync('mkfifo', [fifo]);
  if (r.status !== 0) throw new Error('mkfifo failed');
  const rd = openSync(fifo, 'r+'); // O_RDWR: opens without waiting for a writer
  const wr = openSync(fifo, 'w');
  return [rd, wr];
}
