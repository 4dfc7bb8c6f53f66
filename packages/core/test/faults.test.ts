import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, truncateSync, statSync, ftruncateSync, closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openMapping, mapAnonymous, openShmMapping, shmOpen, shmUnlink, incrementLoop, pageSize as pageSizeOf, isSystemError } from '../src/index.js';
import { tempDir, runCommand, errorCode } from '@mm/testkit';
const pageSize = pageSizeOf();

const tmp = tempDir('mm-core-faults-');
afterAll(() => tmp.cleanup());
const core = new URL('../dist/index.js', import.meta.url).pathname;
const file = (name: string, content: Buffer) => {
  const p = join(tmp.path, name);
  writeFileSync(p, content);
  return p;
};
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('a file that shrinks under its mapping', () => {
  it('reads zeros past the new end instead of dying of SIGBUS; faults and check() tell what happened', async () => {
    // In a child process: on a core without the fault handler this is "Bus error", status 135.
    const p = file('shrinks.bin', Buffer.alloc(1 << 20, 1));
    const script = `
      const mm = await import(${JSON.stringify(core)});
      const fs = await import('node:fs');
      const m = mm.openMapping(${JSON.stringify(p)});
      console.log('faults before', m.faults);
      fs.truncateSync(${JSON.stringify(p)}, 4096);
      let sum = 0;
      for (let i = 0; i < m.length; i++) sum += m.bytes[i];
      console.log('sum', sum, 'faults', m.faults);
      try { m.check('being read'); console.log('no error'); } catch (e) { console.log(e.code, e.syscall, e.size, e.faults, e.message); }
    `;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.signal).toBe(null);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toEqual([
      'faults before 0',
      `sum 4096 faults ${(1 << 20) / pageSize - 1}`,
      `EFAULT mmap 4096 255 ${p}: file shrank to 4096 bytes while being read`,
    ]);
    expect(statSync(p).size).toBe(4096);
  });

  it('a store into a vanished page stays in the process: the file keeps its new size and bytes', () => {
    const p = file('store.bin', Buffer.alloc(3 * pageSize, 0x41));
    const m = openMapping(p, { access: 'rw' });
    truncateSync(p, pageSize);
    m.bytes[2 * pageSize] = 0x5a;
    expect(m.bytes[2 * pageSize]).toBe(0x5a);
    expect(m.bytes[2 * pageSize + 1]).toBe(0);
    expect(m.faults).toBe(1);
    m.bytes[0] = 0x42; // a page that still exists is still the file
    expect(readFileSync(p)).toEqual(Buffer.concat([Buffer.from([0x42]), Buffer.alloc(pageSize - 1, 0x41)]));
    const e = thrown(() => m.check());
    expect(isSystemError(e)).toBe(true);
    expect((e as Error).message).toBe(`${p}: file shrank to ${pageSize} bytes while in use`);
    m.unmap();
    // The count and the size at unmap stay known.
    expect(m.faults).toBe(1);
    expect((thrown(() => m.check('being written')) as Error).message).toBe(`${p}: file shrank to ${pageSize} bytes while being written`);
  });

  it('a native loop over a vanished page runs on in a zero page; check() after the chunk stops the caller', () => {
    const p = file('counter.bin', Buffer.alloc(8));
    const m = openMapping(p, { access: 'rw' });
    expect(incrementLoop(m, { atomic: true, count: 10 })).toBe(10);
    truncateSync(p, 0);
    expect(incrementLoop(m, { atomic: true, count: 5 })).toBe(5);
    expect(m.faults).toBe(1);
    expect((thrown(() => m.check('counting')) as Error).message).toBe(`${p}: file shrank to 0 bytes while counting`);
    expect(statSync(p).size).toBe(0);
    m.unmap();
  });

  it('the new size is read from the mapped file itself, even after it was renamed', () => {
    const p = file('renamed.bin', Buffer.alloc(2 * pageSize, 3));
    const m = openMapping(p, { access: 'r' });
    execFileSync('mv', [p, p + '.moved']);
    truncateSync(p + '.moved', 10);
    expect(m.bytes[pageSize]).toBe(0);
    expect(m.bytes[5]).toBe(3);
    expect((thrown(() => m.check('being read')) as Error).message).toBe(`${p}: file shrank to 10 bytes while being read`);
    m.unmap();
  });

  it('a shm object truncated under its mapping: the message says object', () => {
    const name = `mm_test_fault_${process.pid}_${Math.random().toString(36).slice(2)}`;
    const m = openShmMapping(name, { create: true, size: 2 * pageSize });
    try {
      m.bytes.fill(9);
      const h = shmOpen(name);
      ftruncateSync(h.fd, 0);
      closeSync(h.fd);
      expect(m.bytes[0] + m.bytes[pageSize]).toBe(0);
      expect(m.faults).toBe(2);
      const e = thrown(() => m.check('in use')) as { code: string; message: string; size: number };
      expect(e.code).toBe('EFAULT');
      expect(e.size).toBe(0);
      expect(e.message).toBe(`${name}: object shrank to 0 bytes while in use`);
    } finally {
      m.unmap();
      shmUnlink(name);
    }
  });

  it('anonymous memory and a healthy mapping never report faults', () => {
    const a = mapAnonymous(pageSize);
    a.bytes.fill(1);
    expect(a.faults).toBe(0);
    expect(errorCode(() => a.check())).toBe('no error');
    const p = file('healthy.bin', Buffer.alloc(pageSize, 1));
    const m = openMapping(p);
    expect(m.bytes.reduce((x, y) => x + y, 0)).toBe(pageSize);
    expect(errorCode(() => m.check())).toBe('no error');
    m.unmap();
  });

  it('a SIGBUS that is not a fault in a core mapping still ends the process as before', async () => {
    const p = file('sent.bin', Buffer.alloc(pageSize, 1));
    const script = `
      const mm = await import(${JSON.stringify(core)});
      const m = mm.openMapping(${JSON.stringify(p)});
      console.log('mapped', m.bytes[0]);
      process.kill(process.pid, 'SIGBUS');
      setTimeout(() => console.log('survived'), 200);
    `;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stdout.toString()).toBe('mapped 1\n');
    expect(r.signal).toBe('SIGBUS');
  });
});

describe('discard() drops only whole pages inside the range', () => {
  it('remove on a few bytes of a file touches nothing and says so; a wider range is rounded inward', () => {
    const p = file('holes.bin', Buffer.alloc(3 * pageSize, 1));
    const m = openMapping(p, { access: 'rw' });
    expect(errorCode(() => m.discard('remove', { offset: 100, length: 10 }))).toBe('ERR_MM_NO_WHOLE_PAGE');
    expect(readFileSync(p).equals(Buffer.alloc(3 * pageSize, 1))).toBe(true);
    expect(m.discard('remove', { offset: 100, length: 2 * pageSize })).toEqual({ offset: pageSize, length: pageSize });
    const after = readFileSync(p);
    expect(after.subarray(0, pageSize).every((b) => b === 1)).toBe(true);
    expect(after.subarray(pageSize, 2 * pageSize).every((b) => b === 0)).toBe(true);
    expect(after.subarray(2 * pageSize).every((b) => b === 1)).toBe(true);
    m.unmap();
  });

  it('a mapping of bytes 100..109 of a file cannot discard the rest of their page', () => {
    const p = file('window.bin', Buffer.alloc(2 * pageSize, 7));
    const m = openMapping(p, { access: 'rw', offset: 100, length: 10 });
    expect(errorCode(() => m.discard('remove'))).toBe('ERR_MM_NO_WHOLE_PAGE');
    m.unmap();
    expect(readFileSync(p).equals(Buffer.alloc(2 * pageSize, 7))).toBe(true);
  });

  it('dontneed over 200 bytes of private memory drops nothing; over the whole of it, everything', () => {
    const a = mapAnonymous(3 * pageSize, { sharing: 'private' });
    a.bytes.fill(5);
    expect(errorCode(() => a.discard('dontneed', { offset: pageSize - 100, length: 200 }))).toBe('ERR_MM_NO_WHOLE_PAGE');
    expect(a.bytes.every((b) => b === 5)).toBe(true);
    expect(a.discard('dontneed', { offset: 10 })).toEqual({ offset: pageSize, length: 2 * pageSize });
    expect(a.bytes.subarray(0, pageSize).every((b) => b === 5)).toBe(true);
    expect(a.bytes.subarray(pageSize).every((b) => b === 0)).toBe(true);
    const odd = mapAnonymous(pageSize + 100, { sharing: 'private' });
    odd.bytes.fill(5);
    expect(odd.discard('dontneed')).toEqual({ offset: 0, length: pageSize + 100 });
    expect(odd.bytes.every((b) => b === 0)).toBe(true);
    expect(a.discard('dontneed', { offset: 0, length: 0 })).toEqual({ offset: 0, length: 0 });
  });
});

describe('unmap with I/O in flight', () => {
  it('a write(2) queued before unmap() fails with EFAULT; it never sends a newer mapping\'s bytes', async (ctx) => {
    const a = file('old.bin', Buffer.alloc(4 * pageSize, 0x41));
    const b = file('new.bin', Buffer.alloc(4 * pageSize, 0x42));
    const out = join(tmp.path, 'late.out');
    const fifo = join(tmp.path, 'gate');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return ctx.skip('mkfifo is not available');
    }
    // One thread-pool thread, held by an open() of a FIFO until the main thread opens the
    // other end, so the write is certainly still queued when unmap() runs.
    const script = `
      const mm = await import(${JSON.stringify(core)});
      const fs = await import('node:fs');
      fs.open(${JSON.stringify(fifo)}, 'r', (err, fd) => { if (!err) fs.closeSync(fd); });
      const m = mm.openMapping(${JSON.stringify(a)});
      const was = m.address;
      const fd = fs.openSync(${JSON.stringify(out)}, 'w');
      fs.write(fd, m.bytes, (err, n) => {
        console.log(err ? err.code : 'wrote ' + n);
        const got = fs.readFileSync(${JSON.stringify(out)});
        console.log('B bytes in the output', got.filter((x) => x === 0x42).length);
      });
      m.unmap();
      const m2 = mm.openMapping(${JSON.stringify(b)});
      console.log('same address', m2.address === was);
      const gate = fs.openSync(${JSON.stringify(fifo)}, 'w');
      const until = Date.now() + 200;
      while (Date.now() < until); // the queued write runs now
      fs.closeSync(gate);
    `;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script], { env: { UV_THREADPOOL_SIZE: '1' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString().trim().split('\n')).toEqual(['same address false', 'EFAULT', 'B bytes in the output 0']);
  });
});
