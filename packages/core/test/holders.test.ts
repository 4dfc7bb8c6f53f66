// findHolders against real processes: children that map a file or an shm object, or hold it open,
// found by pid, with the bytes they map and have resident — also after the file is deleted.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnMapper, tempDir, uniqueShmName } from '@mm/testkit';
import { fileTarget, findHolders, shmOpen, shmTarget, shmUnlink, type Holder } from '../src/index.js';

const children: ChildProcess[] = [];
const tmp = tempDir('mm-holders-');
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp.cleanup();
});

async function mapper(target: string, access: 'r' | 'rw', sharing: 'shared' | 'private', touch: number): Promise<number> {
  const child = await spawnMapper(target, access, sharing, touch);
  children.push(child);
  return child.pid!;
}

/** A `sleep` whose descriptor 0 (read) or 1 (write) is the file. */
async function opener(path: string, fd: 0 | 1): Promise<number> {
  const f = openSync(path, fd === 0 ? 'r' : 'a');
  const child = spawn('sleep', ['300'], { stdio: fd === 0 ? [f, 'ignore', 'ignore'] : ['ignore', f, 'ignore'] });
  children.push(child);
  await new Promise<void>((resolve) => child.once('spawn', resolve));
  closeSync(f);
  return child.pid!;
}

function byPid(list: Holder[]): Map<number, Holder> {
  return new Map(list.map((h) => [h.pid, h]));
}

describe('findHolders', () => {
  it('finds mappers and openers of a file, with mapped and resident bytes and how, also after it is deleted', async () => {
    const file = join(tmp.path, 'held file.bin');
    writeFileSync(file, Buffer.alloc(5 * 4096, 7));
    const reader = await mapper(file, 'r', 'shared', 2 * 4096);
    const writer = await mapper(file, 'rw', 'shared', 5 * 4096);
    const privateReader = await mapper(file, 'r', 'private', 0);
    const fdReader = await opener(file, 0);
    const fdWriter = await opener(file, 1);
    const t = fileTarget(file);
    expect(t).toMatchObject({ path: file, inode: statSync(file).ino, missing: false });

    const scan = findHolders([t]);
    expect(scan.processes).toBeGreaterThan(5);
    const found = byPid(scan.holders[0]);
    expect([...found.keys()].sort()).toEqual([reader, writer, privateReader, fdReader, fdWriter].sort());
    expect(found.get(reader)).toMatchObject({ command: 'node', mapped: 5 * 4096, fds: [] });
    expect(found.get(reader)!.mappings).toMatchObject([{ perms: 'r--s', size: 5 * 4096, offset: 0, deleted: false }]);
    expect(found.get(reader)!.resident).toBeGreaterThanOrEqual(2 * 4096);
    expect(found.get(writer)!.mappings[0].perms).toBe('rw-s');
    expect(found.get(writer)!.resident).toBe(5 * 4096);
    expect(found.get(privateReader)!.mappings[0].perms).toBe('r--p');
    expect(found.get(fdReader)).toMatchObject({ command: 'sleep', mappings: [], mapped: 0, fds: [{ fd: 0, access: 'r', deleted: false }] });
    expect(found.get(fdWriter)!.fds).toEqual([{ fd: 1, access: 'w', deleted: false }]);

    rmSync(file);
    const gone = fileTarget(file);
    expect(gone).toEqual({ path: file, missing: true });
    const after = byPid(findHolders([gone], { resident: false }).holders[0]);
    expect([...after.keys()].sort()).toEqual([reader, writer, privateReader, fdReader, fdWriter].sort());
    expect(after.get(writer)!.mappings[0].deleted).toBe(true);
    expect(after.get(writer)!.resident).toBeUndefined();
    expect(after.get(fdReader)!.fds[0].deleted).toBe(true);
  });

  it('finds every process mapping an shm object, before and after shm_unlink, in one pass with other targets', async () => {
    const name = uniqueShmName('mmhold');
    const h = shmOpen(name, { create: true, exclusive: true, size: 3 * 4096 });
    try {
      const a = await mapper(`shm:${name}`, 'rw', 'shared', 3 * 4096);
      const b = await mapper(`shm:${name}`, 'r', 'shared', 4096);
      const other = join(tmp.path, 'nobody-holds-this');
      writeFileSync(other, 'x');
      const scan = findHolders([shmTarget('/' + name), fileTarget(other)]);
      expect(scan.holders[0].map((x) => x.pid).filter((p) => p === a || p === b).sort()).toEqual([a, b].sort());
      expect(scan.holders[0].every((x) => x.pid === process.pid || x.pid === a || x.pid === b)).toBe(true); // this process holds h.fd
      expect(scan.holders[1]).toEqual([]);
      const mine = scan.holders[0].find((x) => x.pid === process.pid)!;
      expect(mine.fds.map((f) => [f.fd, f.access])).toEqual([[h.fd, 'rw']]);
      shmUnlink(name);
      const t = shmTarget(name);
      expect(t).toEqual({ path: `/dev/shm/${name}`, missing: true });
      const found = byPid(findHolders([t]).holders[0]);
      expect(found.get(a)!.mappings).toMatchObject([{ perms: 'rw-s', size: 3 * 4096, deleted: true, rss: 3 * 4096 }]);
      expect(found.get(b)!.mappings).toMatchObject([{ perms: 'r--s', deleted: true }]);
      expect(found.get(process.pid)!.fds[0].deleted).toBe(true);
    } finally {
      closeSync(h.fd);
      try {
        shmUnlink(name);
      } catch {
        // already removed by the test
      }
    }
  });

  it('many targets in one pass (a lookup per mapping) find what one target at a time finds', async () => {
    const files = Array.from({ length: 12 }, (_, i) => join(tmp.path, `many-${i}.bin`));
    for (const f of files) writeFileSync(f, Buffer.alloc(4096, 1));
    const m3 = await mapper(files[3], 'r', 'shared', 4096);
    const m10 = await mapper(files[10], 'rw', 'private', 0);
    const o5 = await opener(files[5], 0);
    rmSync(files[10]);
    const targets = files.map((f) => fileTarget(f));
    const all = findHolders(targets);
    const pidsOf = (list: Holder[]): number[] => list.map((h) => h.pid).filter((p) => [m3, m10, o5].includes(p));
    expect(pidsOf(all.holders[3])).toEqual([m3]);
    expect(pidsOf(all.holders[10])).toEqual([m10]);
    expect(all.holders[10].find((h) => h.pid === m10)!.mappings).toMatchObject([{ perms: 'rw-p', size: 4096, deleted: true }]);
    expect(pidsOf(all.holders[5])).toEqual([o5]);
    targets.forEach((t, i) => {
      const alone = findHolders([t]).holders[0];
      expect(all.holders[i].map((h) => [h.pid, h.mapped, h.fds.length]), files[i]).toEqual(alone.map((h) => [h.pid, h.mapped, h.fds.length]));
    });
  });

  it('rejects a bad shm name', () => {
    expect(() => shmTarget('a/b')).toThrow();
  });
});
