import { describe, it, expect } from 'vitest';
import { parseMaps, parseSmaps, readMaps, mappingKind, openMapping, findMapping, readSmaps } from '../src/index.js';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('/proc/PID/maps and smaps parsing', () => {
  it('parses paths with spaces, deleted files and pseudo paths', () => {
    const text = [
      '55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]',
      '7f00aa000000-7f00aa001000 r--s 00001000 08:01 1234567                    /tmp/my file with spaces.bin',
      '7f00ab000000-7f00ab002000 rw-s 00000000 00:1a 42                         /dev/shm/hello_shm (deleted)',
      '7f00ac000000-7f00ac004000 rw-p 00000000 00:00 0 ',
      'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
    ].join('\n');
    const e = parseMaps(text);
    expect(e).toHaveLength(5);
    expect(e[0]).toMatchObject({ start: 0x55d0c0a00000n, size: 0x21000, perms: 'rw-p', path: '[heap]', deleted: false });
    expect(mappingKind(e[0]!)).toBe('heap');
    expect(e[1]).toMatchObject({ path: '/tmp/my file with spaces.bin', offset: 0x1000, device: '08:01', inode: 1234567, size: 4096 });
    expect(mappingKind(e[1]!)).toBe('file');
    expect(e[2]).toMatchObject({ path: '/dev/shm/hello_shm', deleted: true });
    expect(mappingKind(e[2]!)).toBe('shm');
    expect(e[3]).toMatchObject({ path: '', size: 0x4000 });
    expect(mappingKind(e[3]!)).toBe('anon');
    expect(e[4]!.end).toBe(0xffffffffff601000n);
  });

  it('parses smaps fields into bytes', () => {
    const text = '7f00aa000000-7f00aa002000 r--p 00000000 08:01 7 /usr/lib/libc.so.6\nSize:                  8 kB\nRss:                   4 kB\nPss:                   2 kB\nShared_Clean:          4 kB\nVmFlags: rd mr mw me\n';
    const [e] = parseSmaps(text);
    expect(e!.fields).toMatchObject({ Size: 8192, Rss: 4096, Pss: 2048, Shared_Clean: 4096 });
    expect(e!.vmFlags).toEqual(['rd', 'mr', 'mw', 'me']);
    expect(mappingKind(e!)).toBe('library');
  });

  it('finds a fresh mapping of a file whose name has spaces in this process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm maps '));
    const p = join(dir, 'a file.bin');
    writeFileSync(p, Buffer.alloc(10000, 1));
    const m = openMapping(p);
    const entry = findMapping(m.address);
    expect(entry).toMatchObject({ path: p, perms: 'r--s', size: 12288 });
    expect(readMaps().some((x) => x.path === p)).toBe(true);
    expect(readSmaps().find((x) => x.path === p)!.fields.Size).toBe(12288);
    m.unmap();
    rmSync(dir, { recursive: true });
    expect(() => readMaps(999999999)).toThrow('PID 999999999: no such process');
  });
});
