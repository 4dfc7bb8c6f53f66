import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveCommand, runCommand, tempDir } from '@mm/testkit';
import { formatStat, formatTable, octalMode, parseMode, symbolicMode, toRecord, userName } from '../src/format.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('modes', () => {
  it('parses octal modes as chmod does and rejects the rest', () => {
    expect(parseMode('600')).toBe(0o600);
    expect(parseMode('0600')).toBe(0o600);
    expect(parseMode('0o644')).toBe(0o644);
    expect(parseMode('0777')).toBe(0o777);
    for (const bad of ['', '8', '0999', 'rw', 'u+rw', '12345', '-600', '4755', '01777', '2700', ' 600']) expect(() => parseMode(bad), bad).toThrow(/invalid mode/);
  });

  it.skipIf(!haveCommand('stat', 'comparing permission strings with GNU stat'))('shows modes as GNU stat %a/%A does', async () => {
    const file = join(tmp.path, 'f');
    writeFileSync(file, '');
    for (const mode of [0o600, 0o644, 0o640, 0o000, 0o777, 0o4755, 0o2750, 0o1777, 0o4644, 0o1666]) {
      chmodSync(file, mode);
      const gnu = (await runCommand('stat', ['-c', '%04a %A', file])).stdout.toString().trim();
      expect(`${octalMode(mode)} ${symbolicMode(mode)}`).toBe(gnu);
    }
  });
});

describe('symbolic links in /dev/shm', () => {
  it('show as links (-> target), never as what they point to', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5);
    const link = { name: 'l', size: 11, mode: 0o777, uid: 0, gid: 0, mtime: t, linkTarget: '/etc/passwd' };
    expect(formatTable([link]).split('\n')[1]).toMatch(/^l -> \/etc\/passwd +11 {2}0777 /);
    expect(formatStat(link)).toContain('  File: /dev/shm/l -> /etc/passwd\n  Type: symbolic link');
    expect(toRecord(link)).toMatchObject({ name: 'l', link: '/etc/passwd', size: 11 });
    expect(toRecord({ ...link, linkTarget: undefined })).not.toHaveProperty('link');
  });
});

describe('ls table', () => {
  it('has a header and one aligned line per object, sizes right-aligned', () => {
    const t = new Date(2026, 0, 2, 3, 4, 5);
    const text = formatTable([
      { name: 'hello_shm', size: 4096, mode: 0o600, uid: 0, gid: 0, mtime: t },
      { name: 'x', size: 12345678, mode: 0o644, uid: 4242424, gid: 0, mtime: t },
    ]);
    expect(text).toBe(
      'NAME           SIZE  MODE  OWNER    MODIFIED\n' +
        `hello_shm      4096  0600  ${userName(0).padEnd(7)}  2026-01-02 03:04:05\n` +
        'x          12345678  0644  4242424  2026-01-02 03:04:05\n',
    );
  });
});
