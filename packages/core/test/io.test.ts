import { describe, it, expect, afterAll } from 'vitest';
import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seek, reopenFd } from '../src/index.js';
import { tempDir, runBash, errorCode } from '@mm/testkit';

describe('seek and reopenFd', () => {
  const tmp = tempDir('mm-io-');
  afterAll(() => tmp.cleanup());

  it('seek reads and moves the offset another reader of the same descriptor sees', () => {
    const f = join(tmp.path, 'f');
    writeFileSync(f, 'abcdefgh');
    const fd = openSync(f, 'r');
    try {
      expect(seek(fd, 0, 'current')).toBe(0);
      expect(seek(fd, 3)).toBe(3);
      const b = Buffer.alloc(2);
      readSync(fd, b, 0, 2, null);
      expect(b.toString()).toBe('de');
      expect(seek(fd, 0, 'current')).toBe(5);
      expect(seek(fd, 0, 'end')).toBe(8);
    } finally {
      closeSync(fd);
    }
  });

  it('seek on a pipe is ESPIPE', async () => {
    const core = new URL('../dist/index.js', import.meta.url).pathname;
    const r = await runBash(`echo x | node --input-type=module -e "const m = await import('${core}'); try { m.seek(0, 0, 'current'); } catch (e) { console.log(e.code); }"`);
    expect(r.stdout.toString().trim()).toBe('ESPIPE');
  });

  it('reopenFd puts another file on a descriptor number; the old file is untouched', () => {
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    writeFileSync(a, '');
    writeFileSync(b, '');
    const fd = openSync(a, 'w');
    reopenFd(fd, b, 1 /* O_WRONLY */);
    writeSync(fd, 'to b');
    closeSync(fd);
    expect(readFileSync(a, 'utf8')).toBe('');
    expect(readFileSync(b, 'utf8')).toBe('to b');
    const ro = openSync(a, 'r');
    reopenFd(ro, '/dev/null', 0 /* O_RDONLY */);
    expect(errorCode(() => writeSync(ro, 'x'))).toBe('EBADF');
    closeSync(ro);
  });
});
