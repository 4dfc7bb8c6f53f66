// The library API without spawning: classification, filters, raw splitting, formatting,
// and this process's own view of mappings it makes.
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapAnonymous, openMapping, parseMapsLine } from '@mm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@mm/testkit';
import { classifyMapping, formatRow, parseKinds, parsePerms, permsMatch, readView, splitRaw, summarize, viewFromBytes, FilterError } from '../src/index.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('mm-maps-lib-');
});
afterAll(() => tmp?.cleanup());

const PAD = ' '.repeat(10);
function entry(perms: string, dev: string, inode: number, path: string) {
  const e = parseMapsLine(`7f0000000000-7f0000002000 ${perms} 00000000 ${dev} ${inode}${PAD}${path}`);
  if (!e) throw new Error('bad test line');
  return e;
}

describe('classifyMapping', () => {
  const cases: [string, string, number, string, string][] = [
    ['r-xp', 'fe:00', 11, '/usr/bin/node', 'program'],
    ['r-xp', 'fe:00', 12, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'library'],
    ['r--p', 'fe:00', 13, '/usr/lib/locale/C.utf8/LC_CTYPE', 'file'],
    ['r--s', 'fe:00', 14, '/tmp/a file with spaces.txt', 'file'],
    ['r--s', 'fe:00', 15, '/tmp/gone.txt (deleted)', 'deleted'],
    ['rw-p', '00:00', 0, '[heap]', 'heap'],
    ['rw-p', '00:00', 0, '[stack]', 'stack'],
    ['rw-p', '00:00', 0, '', 'anon'],
    ['rw-p', '00:00', 0, '[anon:v8 heap]', 'anon'],
    ['rw-s', '00:00', 0, '[anon_shmem:ring]', 'shm'],
    ['rw-s', '00:01', 1037, '/dev/zero (deleted)', 'shm'],
    ['rw-s', '00:01', 1038, '/memfd:buffers (deleted)', 'shm'],
    ['rw-s', '00:1a', 7, '/dev/shm/mm-ring', 'shm'],
    ['rw-s', '00:01', 9, '/SYSV00000000 (deleted)', 'shm'],
    ['rw-p', '00:0f', 3, '/anon_hugepage (deleted)', 'anon'],
    ['rw-s', '00:0f', 4, '/anon_hugepage (deleted)', 'shm'],
    ['r--p', '00:00', 0, '[vvar]', 'vvar'],
    ['r--p', '00:00', 0, '[vvar_vclock]', 'vvar'],
    ['r-xp', '00:00', 0, '[vdso]', 'vdso'],
    ['--xp', '00:00', 0, '[vsyscall]', 'vsyscall'],
    ['r-xp', '00:00', 0, '[uprobes]', 'other'],
  ];
  it.each(cases)('%s %s %s %s → %s', (perms, dev, inode, path, kind) => {
    expect(classifyMapping(entry(perms, dev, inode, path), '/usr/bin/node')).toBe(kind);
  });

  it('the program is still the program after its file was replaced', () => {
    const e = entry('r-xp', 'fe:00', 11, '/opt/app/server (deleted)');
    expect(e.deleted).toBe(true);
    expect(classifyMapping(e, '/opt/app/server (deleted)')).toBe('program');
  });

  it('without /proc/PID/exe the program is guessed from the lowest file mapping', () => {
    const text = [
      '55d0c0000000-55d0c0002000 r--p 00000000 fe:00 260875                     /usr/bin/sleep',
      '55d0c0002000-55d0c0007000 r-xp 00002000 fe:00 260875                     /usr/bin/sleep',
      '7f0000000000-7f0000002000 r--p 00000000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6',
      '',
    ].join('\n');
    const view = viewFromBytes(42, Buffer.from(text));
    expect(view.exe).toBe('/usr/bin/sleep');
    expect(view.rows.map((r) => r.kind)).toEqual(['program', 'program', 'library']);
  });

  it('a file the process runs code from is a library whatever its name; a data file stays a file', () => {
    const text = [
      '7f0000000000-7f0000006000 r--p 00000000 fe:00 77                         /opt/app/build/addon.node',
      '7f0000006000-7f000002a000 r-xp 00006000 fe:00 77                         /opt/app/build/addon.node',
      '7f000002a000-7f000002b000 rw-p 0002a000 fe:00 77                         /opt/app/build/addon.node',
      '7f000002b000-7f000002c000 r--s 00000000 fe:00 78                         /opt/app/data.bin',
      '',
    ].join('\n');
    const view = viewFromBytes(42, Buffer.from(text), { exe: '/usr/bin/node' });
    expect(view.rows.map((r) => r.kind)).toEqual(['library', 'library', 'library', 'file']);
  });
});

describe('raw text', () => {
  it('splitRaw keeps each smaps block whole and the bytes of names that are not UTF-8', () => {
    const name = Buffer.concat([Buffer.from('/tmp/caf'), Buffer.from([0xe9]), Buffer.from(' au lait')]);
    const head = (range: string, path: Buffer) => Buffer.concat([Buffer.from(`${range} r--s 00000000 fe:00 5                          `), path, Buffer.from('\n')]);
    const block = (range: string, path: Buffer) => Buffer.concat([head(range, path), Buffer.from('Size:                  8 kB\nRss:                   4 kB\nVmFlags: rd sh mr mw me ms \n')]);
    const a = block('7f0000000000-7f0000002000', name);
    const b = block('7f0000002000-7f0000004000', Buffer.from('/tmp/plain'));
    const chunks = splitRaw(Buffer.concat([a, b]));
    expect(chunks).toHaveLength(2);
    expect(chunks[0].equals(a)).toBe(true);
    expect(chunks[1].equals(b)).toBe(true);
    const view = viewFromBytes(1, Buffer.concat([a, b]), { extended: true });
    expect(view.rows[0].raw.equals(a)).toBe(true);
    expect(view.rows[0].entry.size).toBe(8192);
    expect((view.rows[0].entry as { fields: Record<string, number> }).fields.Rss).toBe(4096);
  });
});

describe('filters', () => {
  it('parseKinds takes repeats and comma lists, and refuses unknown kinds', () => {
    expect([...parseKinds(['heap,stack', 'anon'])]).toEqual(['heap', 'stack', 'anon']);
    expect(() => parseKinds(['heapz'])).toThrow(FilterError);
    expect(() => parseKinds([','])).toThrow(FilterError);
  });

  it('parsePerms: letters that must all be set, or a positional pattern', () => {
    const rw = parsePerms('rw');
    expect(['rw-p', 'rwxs', 'r--p', '-w-p'].map((p) => permsMatch(p, rw))).toEqual([true, true, false, false]);
    const rx = parsePerms('r-x');
    expect(['r-xp', 'r-xs', 'rwxp', 'r--p'].map((p) => permsMatch(p, rx))).toEqual([true, true, false, false]);
    const s = parsePerms('s');
    expect(['rw-s', 'rw-p'].map((p) => permsMatch(p, s))).toEqual([true, false]);
    for (const bad of ['', 'rwz', 'rwxpp', 'x-r', 'sp', 'rwx-']) expect(() => parsePerms(bad), bad).toThrow(FilterError);
  });
});

describe('own process', () => {
  it('sees a shared anonymous mapping as shm, and a mapped file deleted afterwards as deleted', () => {
    const anon = mapAnonymous(3 * 4096, { sharing: 'shared' });
    const f = join(tmp.path, 'soon gone.txt');
    writeFileSync(f, 'bye\n');
    const file = openMapping(f);
    unlinkSync(f);
    try {
      const view = readView('self');
      const anonRow = view.rows.find((r) => r.entry.start === anon.address)!;
      expect(anonRow.kind).toBe('shm');
      expect(anonRow.name).toBe('/dev/zero (deleted)');
      const fileRow = view.rows.find((r) => r.entry.start === file.address)!;
      expect(fileRow.kind).toBe('deleted');
      expect(fileRow.entry.path).toBe(f);
      expect(fileRow.name).toBe(`${f} (deleted)`);
      expect(formatRow(fileRow, false).endsWith(` 4 deleted  ${f} (deleted)`)).toBe(true);
      const groups = summarize(view.rows);
      expect(groups.get('shared-memory')!.size).toBeGreaterThanOrEqual(3 * 4096);
      expect(groups.get('total')!.size).toBe(view.rows.reduce((s, r) => s + r.entry.size, 0));
    } finally {
      anon.unmap();
      file.unmap();
    }
  });
});
