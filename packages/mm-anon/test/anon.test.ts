// Library level: shareThroughFork and the input helpers, in this process (no CLI spawned).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, writeFileSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forkSignalReader, mapAnonymous, waitChild, RING_HEADER } from '@mm/core';
import { closeInput, openInput, privateReport, shareThroughFork, wakeSignal } from '../src/index.js';
import { haveCommand, skipWithout, tempDir } from '@mm/testkit';
import { procState } from './helpers.js';

/** Reads whatever a non-blocking fd holds right now into `out` (stops at EAGAIN or end of input). */
function drainInto(fd: number, out: Buffer[]): void {
  const b = Buffer.alloc(1 << 16);
  for (;;) {
    let k: number;
    try {
      k = readSync(fd, b);
    } catch {
      return; // EAGAIN: the writer has not written more yet
    }
    if (k === 0) return;
    out.push(Buffer.from(b.subarray(0, k)));
  }
}

const tmp = tempDir('mm-anon-lib-');
afterAll(() => tmp.cleanup());

let n = 0;
function file(content: string | Buffer): string {
  const f = join(tmp.path, `in-${n++}`);
  writeFileSync(f, content);
  return f;
}

/** Runs shareThroughFork on `content` with the child writing into a file; returns the result and the file's bytes. */
async function shareToFile(content: string | Buffer, options: Parameters<typeof shareThroughFork>[1] = {}) {
  const input = openInput(file(content));
  const out = join(tmp.path, `out-${n++}`);
  const fd = openSync(out, 'w');
  try {
    const r = await shareThroughFork(input, { delayMs: 0, outFd: fd, ...options });
    return { r, out: readFileSync(out) };
  } finally {
    closeSync(fd);
    closeInput(input);
  }
}

describe('openInput', () => {
  it('throws SystemErrors for a missing file and a directory', () => {
    expect(() => openInput(join(tmp.path, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT', message: `${join(tmp.path, 'missing')}: No such file or directory` }));
    expect(() => openInput(tmp.path)).toThrow(expect.objectContaining({ code: 'EISDIR', message: `${tmp.path}: Is a directory` }));
  });

  it('a file whose reading fails at once fails here, before any fork', () => {
    expect(() => openInput('/proc/self/mem')).toThrow(expect.objectContaining({ code: 'EIO', message: '/proc/self/mem: Input/output error' }));
  });

  it('sizes a regular file without reading it (the probe leaves the file position at 0)', async () => {
    const input = openInput(file('hello, mapping'));
    expect(input.size).toBe(14);
    const out = join(tmp.path, `out-${n++}`);
    const fd = openSync(out, 'w');
    await shareThroughFork(input, { delayMs: 0, outFd: fd });
    closeSync(fd);
    expect(readFileSync(out).toString()).toBe('hello, mapping');
    closeInput(input);
    closeInput(input);
  });

  it('a file of size 0 in /proc has no size, and still streams in full', async () => {
    const input = openInput('/proc/self/maps');
    expect(input.size).toBeNull();
    const out = join(tmp.path, `out-${n++}`);
    const fd = openSync(out, 'w');
    const r = await shareThroughFork(input, { delayMs: 0, outFd: fd });
    closeSync(fd);
    closeInput(input);
    const text = readFileSync(out).toString();
    expect(text).toMatch(/^[0-9a-f]+-[0-9a-f]+ /);
    expect(r.written).toBe(text.length);
    expect(r.seen).toBe(text.length);
  });

  it('wakeSignal refuses SIGKILL and SIGSTOP', () => {
    expect(wakeSignal('USR1')).toBe(10);
    expect(wakeSignal('SIGTERM')).toBe(15);
    expect(() => wakeSignal('KILL')).toThrow(/SIGKILL cannot be blocked/);
    expect(() => wakeSignal(19)).toThrow(/SIGSTOP cannot be blocked/);
  });
});

describe('shareThroughFork', () => {
  it('the child writes exactly the bytes the parent put in the shared mapping, NULs included', async () => {
    const data = Buffer.concat([Buffer.alloc(100), Buffer.from('middle'), Buffer.alloc(100)]);
    const { r, out } = await shareToFile(data);
    expect(out.equals(data)).toBe(true);
    expect(r.sharing).toBe('shared');
    expect(r.written).toBe(206);
    expect(r.seen).toBe(206);
    expect(r.exit).toEqual({ pid: r.childPid, code: 0, signal: null, signo: null });
    expect(r.parentPid).toBe(process.pid);
    expect(r.childPid).not.toBe(process.pid);
    expect(r.interrupted).toBeNull();
  });

  it('MAP_PRIVATE: the child sees its own snapshot from the fork, length 0, and writes nothing', async () => {
    const { r, out } = await shareToFile('you will not see this\n', { sharing: 'private', delayMs: 20 });
    expect(out.length).toBe(0);
    expect(r.written).toBe(22);
    expect(r.seen).toBe(0);
    expect(r.exit.code).toBe(0);
    expect(privateReport(r)).toMatch(/^--private: the child saw 0 bytes of the 22 written \(MAP_PRIVATE gave child \d+ a copy-on-write snapshot/);
  });

  it('narrates each step through log', async () => {
    const lines: string[] = [];
    const { r } = await shareToFile('abc', { log: (l) => lines.push(l), signal: 'SIGUSR2', delayMs: 10 });
    expect(lines.map((l) => l.replace(/^\[\+\d+\.\d{3}s\] /, '').replace(/ .*/, ''))).toEqual(['parent', 'parent', 'parent', 'child', 'parent', 'parent', 'parent', 'parent']);
    expect(lines.join('\n')).toContain(`sent SIGUSR2 to child ${r.childPid}`);
  });

  it('reaps its child: afterwards the pid is gone, and no child of this process is defunct', async () => {
    const { r } = await shareToFile('x');
    expect(procState(r.childPid)).toBeNull();
    if (haveCommand('ps', 'the ps check')) {
      const ps = spawnSync('ps', ['-o', 'pid=,stat=', '--ppid', String(process.pid)], { encoding: 'utf8' });
      expect(ps.stdout.split('\n').filter((l) => /\sZ/.test(l))).toEqual([]);
    }
  });

  it('never reaps children that are not its own: a sibling child keeps its exit status for Node', async () => {
    const sibling = spawn('sh', ['-c', 'sleep 0.3; exit 7']);
    const siblingExit = new Promise<number | null>((resolve) => sibling.on('exit', (code) => resolve(code)));
    const { out } = await shareToFile('mine', { delayMs: 600 });
    expect(out.toString()).toBe('mine');
    expect(await siblingExit).toBe(7);
  });

  it('the event loop runs while the child is waited for: the child only finishes because a timer drains its pipe', async (ctx) => {
    skipWithout(ctx, 'mkfifo', 'the FIFO test');
    const fifo = join(tmp.path, `fifo-${n++}`);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Reader first (non-blocking open succeeds without a writer), then the child's end.
    const rd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const wr = openSync(fifo, fsConstants.O_WRONLY);
    const data = Buffer.alloc(4 << 20, 0x5a); // far more than a pipe holds (64 KiB, or 1 MiB once the child grows it)
    const received: Buffer[] = [];
    let ticksWhileWaiting = 0;
    let signalled = false;
    const timer = setInterval(() => {
      if (signalled) ticksWhileWaiting++;
      drainInto(rd, received);
    }, 2);
    const input = openInput(file(data));
    try {
      const r = await shareThroughFork(input, {
        delayMs: 0,
        outFd: wr,
        onFork: () => closeSync(wr), // only the child holds the write end now
        log: (l) => {
          if (l.includes('sent SIGUSR1')) signalled = true;
        },
      });
      expect(r.exit.code).toBe(0);
    } finally {
      clearInterval(timer);
      closeInput(input);
    }
    // Drain what is left after the child's exit.
    drainInto(rd, received);
    closeSync(rd);
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(ticksWhileWaiting).toBeGreaterThan(0);
  });

  it('core waitChild: a timer fires while the wait is pending (it is the timer that wakes the child)', async () => {
    const m = mapAnonymous(16);
    const devnull = openSync('/dev/null', 'w');
    const pid = forkSignalReader(m, { outFd: devnull });
    let fired = false;
    const wait = waitChild(pid);
    setTimeout(() => {
      fired = true;
      process.kill(pid, 'SIGUSR1');
    }, 20);
    const exit = await wait;
    expect(fired).toBe(true);
    expect(exit).toEqual({ pid, code: 0, signal: null, signo: null });
    closeSync(devnull);
    m.unmap();
  });

  it('an abort during the delay kills and reaps the child, and the data is never written', async () => {
    const ac = new AbortController();
    let childPid = 0;
    const p = shareToFile('never', { delayMs: 30_000, abortSignal: ac.signal, onFork: (pid) => (childPid = pid) });
    setTimeout(() => ac.abort(), 50);
    const { r, out } = await p;
    expect(r.interrupted).toBe('abort');
    expect(r.written).toBeNull();
    expect(r.exit.signal).toBe('SIGKILL');
    expect(out.length).toBe(0);
    expect(r.childPid).toBe(childPid);
    expect(procState(childPid)).toBeNull();
  });

  it('an input that fails while being copied kills and reaps the child, then throws', async () => {
    // A sized input whose descriptor is not open: the read after the fork fails with EBADF.
    const input = { name: 'broken', fd: 1_000_000, size: 3, owned: false, closed: false };
    let childPid = 0;
    await expect(shareThroughFork(input, { delayMs: 0, onFork: (pid) => (childPid = pid) })).rejects.toThrow(/Bad file descriptor/);
    expect(childPid).toBeGreaterThan(0);
    expect(procState(childPid)).toBeNull();
  });

  it('a file that shrank after sizing streams the shorter length', async () => {
    const f = file('0123456789');
    const input = openInput(f);
    writeFileSync(f, '0123');
    const out = join(tmp.path, `out-${n++}`);
    const fd = openSync(out, 'w');
    const r = await shareThroughFork(input, { delayMs: 0, outFd: fd });
    closeSync(fd);
    closeInput(input);
    expect(r.written).toBe(4);
    expect(readFileSync(out).toString()).toBe('0123');
  });
});

describe('streaming through the ring', () => {
  // A ring of 4 slots of 4 KiB: 16 KiB, so the boundaries are cheap to cross.
  const ring = { slotSize: 4096, slots: 4 };
  const capacity = ring.slotSize * ring.slots;
  const pattern = (len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (i * 7 + (i >> 12)) & 0xff));

  for (const len of [0, 1, ring.slotSize - 1, ring.slotSize, ring.slotSize + 1, capacity - 1, capacity, capacity + 1, 5 * capacity + 3]) {
    it(`${len} bytes come out byte for byte, in ${Math.ceil(len / ring.slotSize)} chunks`, async () => {
      const data = pattern(len);
      const { r, out } = await shareToFile(data, { ...ring, delayMs: 0 });
      expect(out.length).toBe(len);
      expect(out.equals(data)).toBe(true);
      expect(r.written).toBe(len);
      expect(r.seen).toBe(len);
      expect(r.chunks).toBe(Math.ceil(len / ring.slotSize));
      expect(r.exit.code).toBe(0);
    });
  }

  it('the mapping is the ring, whatever the input size', async () => {
    const lines: string[] = [];
    await shareToFile(pattern(10 * capacity), { ...ring, delayMs: 0, log: (l) => lines.push(l) });
    expect(lines[0]).toContain(`mapped ${RING_HEADER + capacity} bytes of anonymous MAP_SHARED memory`);
    expect(lines[0]).toContain(`a ring of 4 slots of 4096 bytes after a ${RING_HEADER}-byte header, reused for all of`);
  });

  it('narrates the first hand-off (slot 0, then the signal), then counts the chunks that went through the ring', async () => {
    const lines: string[] = [];
    const { r } = await shareToFile(pattern(3 * capacity + 100), { ...ring, delayMs: 0, log: (l) => lines.push(l) });
    const text = lines.join('\n');
    expect(text).toContain(`wrote 4096 bytes of`);
    expect(text).toContain(`into slot 0 of the ring (the first chunk), then published it`);
    expect(text).toContain(`sent SIGUSR1 to child ${r.childPid} for the first chunk`);
    expect(text).toContain(`handed over 12 more chunks (${3 * capacity + 100 - 4096} bytes) through the ring after the first: 13 chunks, ${3 * capacity + 100} bytes in all, then the end of the data`);
    expect(text).toContain(`reaped child ${r.childPid}: exit status 0; it found ${3 * capacity + 100} bytes`);
  });

  it('MAP_PRIVATE with many chunks: the child still sees nothing, and the parent stops after the first', async () => {
    const { r, out } = await shareToFile(pattern(3 * capacity), { ...ring, sharing: 'private', delayMs: 0 });
    expect(out.length).toBe(0);
    expect(r.seen).toBe(0);
    expect(r.written).toBe(ring.slotSize);
    expect(r.exit.code).toBe(0);
  });

  it('a write error in the child (a full disk) ends the stream: exit 1 and its errno', async () => {
    const fd = openSync('/dev/full', 'w');
    const input = openInput(file(pattern(3 * capacity)));
    try {
      const r = await shareThroughFork(input, { ...ring, delayMs: 0, outFd: fd });
      expect(r.exit.code).toBe(1);
      expect(r.writeErrno).toBe(28); // ENOSPC
      expect(r.seen).toBe(0);
    } finally {
      closeSync(fd);
      closeInput(input);
    }
  });
});
