import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync, statSync, existsSync, closeSync } from 'node:fs';
import { shmOpen, shmUnlink, shmList, shmStat, openShmMapping, validateShmName, SHM_DIR } from '../src/index.js';
import { uniqueShmName, shmObjects, errorCode } from '@mm/testkit';

const prefix = `mmcore_${process.pid}`;
afterEach(() => {
  for (const n of shmObjects(prefix)) shmUnlink(n);
});


describe('POSIX shared memory', () => {
  it('create, map, write, list, read from /dev/shm, unlink', () => {
    const name = uniqueShmName(prefix);
    const m = openShmMapping(name, { create: true, size: 64 });
    expect(m.created).toBe(true);
    m.bytes.write('hello from mm', 0);
    expect(readFileSync(`${SHM_DIR}/${name}`).subarray(0, 13).toString()).toBe('hello from mm');
    const listed = shmList().find((i) => i.name === name);
    expect(listed).toMatchObject({ name, size: 64, mode: 0o600, uid: process.getuid!() });
    expect(shmStat('/' + name).size).toBe(64);
    m.unmap();
    shmUnlink('/' + name);
    expect(existsSync(`${SHM_DIR}/${name}`)).toBe(false);
    expect(errorCode(() => shmUnlink(name))).toBe('ENOENT');
    expect(errorCode(() => shmStat(name))).toBe('ENOENT');
  });

  it('mode defaults to 0600 and can be set; `name` and `/name` are one object', () => {
    const name = uniqueShmName(prefix);
    const h = shmOpen(name, { create: true });
    closeSync(h.fd);
    expect(statSync(`${SHM_DIR}/${name}`).mode & 0o777).toBe(0o600);
    const again = shmOpen('/' + name, { create: true });
    expect(again.created).toBe(false);
    closeSync(again.fd);
    const other = uniqueShmName(prefix);
    const h2 = shmOpen(other, { create: true, mode: 0o640, size: 10 });
    closeSync(h2.fd);
    expect(statSync(`${SHM_DIR}/${other}`).mode & 0o777).toBe(0o640);
    expect(statSync(`${SHM_DIR}/${other}`).size).toBe(10);
  });

  it('exclusive on an existing name fails with EEXIST and names the object', () => {
    const name = uniqueShmName(prefix);
    closeSync(shmOpen(name, { exclusive: true }).fd);
    try {
      shmOpen(name, { exclusive: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'EEXIST', syscall: 'shm_open', message: `${name}: File exists` });
    }
    expect(errorCode(() => shmOpen(uniqueShmName(prefix)))).toBe('ENOENT');
  });

  it('invalid names are rejected before any system call', () => {
    for (const bad of ['', '/', 'a/b', '/a/b', '.', '..', '/..', 'x'.repeat(256), 'nul\0byte']) {
      expect(errorCode(() => validateShmName(bad))).toBe('ERR_MM_BAD_NAME');
      expect(errorCode(() => shmOpen(bad, { create: true }))).toBe('ERR_MM_BAD_NAME');
    }
    expect(validateShmName('/hello_shm')).toBe('hello_shm');
    expect(validateShmName('x'.repeat(255))).toBe('x'.repeat(255));
  });
});
