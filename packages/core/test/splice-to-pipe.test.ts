// spliceToPipe: vmsplice(2) of mapped memory into a pipe — the bytes arrive whole, the pipe
// holds the pages themselves (not a copy), and anything but a pipe or a vanished page is a
// SystemError.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapAnonymous, openMapping, pageSize as pageSizeOf, shmOpen, shmUnlink, spliceToPipe } from '../src/index.js';
import { tempDir, uniqueShmName } from '@mm/testkit';
const pageSize = pageSizeOf();

const tmp = tempDir('mm-splice-');
afterAll(() => tmp.cleanup());

function fifo(name: string): string {
  const path = join(tmp.path, name);
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  return path;
}

describe('spliceToPipe', () => {
  it('5 MiB and a bit of a mapping reach a reader in another process byte for byte', async () => {
    const path = fifo('big');
    const out = join(tmp.path, 'big.out');
    const n = 5 * 1024 * 1024 + 123;
    const m = mapAnonymous(n);
    try {
      for (let i = 0; i < n; i++) m.bytes[i] = (i * 7 + 3) & 255;
      const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', path, out], { stdio: 'ignore' });
      const done = new Promise<number | null>((resolve) => reader.on('exit', (code) => resolve(code)));
      const fd = openSync(path, 'w'); // waits for cat to open its end
      try {
        // Two calls, the second starting mid-page: offsets inside a page work too.
        expect(spliceToPipe(fd, m.bytes.subarray(0, 1_000_001), 'the pipe')).toBe(1_000_001);
        expect(spliceToPipe(fd, m.bytes.subarray(1_000_001), 'the pipe')).toBe(n - 1_000_001);
      } finally {
        closeSync(fd);
      }
      expect(await done).toBe(0);
      expect(Buffer.from(readFileSync(out)).equals(Buffer.from(m.bytes))).toBe(true);
    } finally {
      m.unmap();
    }
  });

  it('the pipe holds the pages, not a copy: a store made before the reader reads is what it reads', () => {
    const path = fifo('ref');
    const fd = openSync(path, 'r+'); // both ends on one descriptor: nothing blocks
    const m = mapAnonymous(pageSize);
    try {
      m.bytes.fill(0x61); // 'a'
      expect(spliceToPipe(fd, m.bytes.subarray(0, 8))).toBe(8);
      m.bytes.fill(0x62); // 'b', after the call returned
      const got = Buffer.alloc(8);
      expect(readSync(fd, got, 0, 8, null)).toBe(8);
      expect(got.toString()).toBe('bbbbbbbb');
    } finally {
      m.unmap();
      closeSync(fd);
    }
  });

  it('a regular file is not a pipe: EBADF from vmsplice, named, and the file is untouched', () => {
    const f = join(tmp.path, 'plain');
    writeFileSync(f, 'x');
    const fd = openSync(f, 'r+');
    try {
      expect(() => spliceToPipe(fd, Buffer.from('hello'), 'plain')).toThrow(/^plain: /);
      expect(() => spliceToPipe(fd, Buffer.from('hello'), 'plain')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'vmsplice' }));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(f, 'utf8')).toBe('x');
  });

  it('pages of an object truncated under the mapping: EFAULT, not SIGBUS', () => {
    const name = uniqueShmName('mmsplice');
    const h = shmOpen(name, { create: true, size: 4 * pageSize });
    const path = fifo('cut');
    const fd = openSync(path, 'r+');
    const m = openMapping(h.fd, { access: 'r', sharing: 'shared', name, noun: 'object' });
    try {
      ftruncateSync(h.fd, pageSize);
      expect(() => spliceToPipe(fd, m.bytes.subarray(2 * pageSize, 3 * pageSize), 'the pipe')).toThrow(expect.objectContaining({ code: 'EFAULT', syscall: 'vmsplice' }));
    } finally {
      m.unmap();
      closeSync(fd);
      closeSync(h.fd);
      shmUnlink(name);
    }
  });
});
