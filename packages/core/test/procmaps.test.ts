import { describe, it, expect } from 'vitest';
import { parseMaps, parseSmaps, readMaps, mappingKind, codeFiles, openMapping, findMapping, readSmaps, forEachWindow } from '../src/index.js';
import { writeFileSync, rmSync, mkdtempSync, openSync, closeSync } from 'node:fs';
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
    expect(mappingKind(e[0])).toBe('heap');
    expect(e[1]).toMatchObject({ path: '/tmp/my file with spaces.bin', offset: 0x1000, device: '08:01', inode: 1234567, size: 4096 });
    expect(mappingKind(e[1])).toBe('file');
    expect(e[2]).toMatchObject({ path: '/dev/shm/hello_shm', deleted: true });
    expect(mappingKind(e[2])).toBe('shm');
    expect(e[3]).toMatchObject({ path: '', size: 0x4000 });
    expect(mappingKind(e[3])).toBe('anon');
    expect(e[4].end).toBe(0xffffffffff601000n);
  });

  it('classifies shared anonymous memory, memfd, hugetlb, vvar variants, replaced programs and addons', () => {
    const e = parseMaps([
      '7f0000000000-7f0000001000 rw-s 00000000 00:01 5 /dev/zero (deleted)',
      '7f0000001000-7f0000002000 rw-s 00000000 00:01 6 /memfd:cache (deleted)',
      '7f0000002000-7f0000003000 rw-p 00000000 00:00 0 [anon_shmem:ring]',
      '7f0000003000-7f0000004000 rw-p 00000000 00:0f 7 /anon_hugepage (deleted)',
      '7f0000004000-7f0000005000 r--p 00000000 00:00 0 [vvar_vclock]',
      '7f0000005000-7f0000006000 r-xp 00000000 08:01 9 /usr/bin/prog (deleted)',
      '7f0000006000-7f0000007000 r-xp 00000000 08:01 10 /opt/addon/build/mm_core.node',
      '7f0000007000-7f0000008000 r--p 00001000 08:01 10 /opt/addon/build/mm_core.node',
      '7f0000008000-7f0000009000 rw-p 00000000 08:01 11 /tmp/gone.txt (deleted)',
    ].join('\n'));
    const code = codeFiles(e);
    expect(e.map((x) => mappingKind(x, '/usr/bin/prog (deleted)', code))).toEqual(['shm', 'shm', 'shm', 'anon', 'vvar', 'program', 'library', 'library', 'deleted']);
    expect(mappingKind(e[6])).toBe('file');
  });

  it('forEachWindow names an fd target as told and can populate its windows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-win-'));
    writeFileSync(join(dir, 'f'), 'abc');
    const dirFd = openSync(dir, 'r');
    expect(() => forEachWindow(dirFd, { name: 'standard input' }, () => undefined)).toThrow('standard input: Is a directory');
    closeSync(dirFd);
    const seen: string[] = [];
    forEachWindow(join(dir, 'f'), { populate: true }, (w) => void seen.push(w.bytes.toString()));
    expect(seen).toEqual(['abc']);
    rmSync(dir, { recursive: true });
  });

  it('parses smaps fields into bytes', () => {
    const text = '7f00aa000000-7f00aa002000 r--p 00000000 08:01 7 /usr/lib/libc.so.6\nSize:                  8 kB\nRss:                   4 kB\nPss:                   2 kB\nShared_Clean:          4 kB\nVmFlags: rd mr mw me\n';
    const [e] = parseSmaps(text);
    expect(e.fields).toMatchObject({ Size: 8192, Rss: 4096, Pss: 2048, Shared_Clean: 4096 });
    expect(e.vmFlags).toEqual(['rd', 'mr', 'mw', 'me']);
    expect(mappingKind(e)).toBe('library');
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
