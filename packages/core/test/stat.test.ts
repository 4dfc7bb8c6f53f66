// fileStat: fstat(2) and fstatfs(2) of an open descriptor in one native call, without
// node:fs's Stats. What it says must be what node:fs says of the same descriptor, for every
// kind of file the tools are handed; the file system's type tells /proc and /sys from disk.
import { describe, it, expect, afterAll } from 'vitest';
import { closeSync, fstatSync, mkdirSync, openSync, writeFileSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FileStat, fileStat, isPseudoFileSystem } from '../src/index.js';
import { runCommand, tempDir } from '@mm/testkit';

const tmp = tempDir('mm-stat-');
afterAll(() => tmp.cleanup());

function same(fd: number): FileStat {
  const ours = fileStat(fd);
  const node = fstatSync(fd);
  for (const k of ['mode', 'size', 'dev', 'ino', 'rdev', 'nlink', 'uid', 'gid', 'blksize', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs'] as const) expect([k, ours[k]]).toEqual([k, node[k]]);
  for (const t of ['isFile', 'isDirectory', 'isFIFO', 'isCharacterDevice', 'isBlockDevice', 'isSocket', 'isSymbolicLink'] as const) expect([t, ours[t]()]).toEqual([t, node[t]()]);
  return ours;
}

describe('fileStat', () => {
  it('says what node:fs says of a regular file, a directory, a FIFO, /dev/null and a socket', async () => {
    const file = join(tmp.path, 'f');
    writeFileSync(file, 'twelve bytes');
    const dir = join(tmp.path, 'd');
    mkdirSync(dir);
    const fifo = join(tmp.path, 'p');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const fds = [openSync(file, 'r'), openSync(dir, 'r'), openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), openSync('/dev/null', 'r')];
    try {
      const [f, d, p, n] = fds.map(same);
      expect([f.isFile(), f.size, d.isDirectory(), p.isFIFO(), n.isCharacterDevice()]).toEqual([true, 12, true, true, true]);
      expect(f.onPseudoFileSystem()).toBe(false);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    const sock = join(tmp.path, 's');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      expect(same(fd).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('tells /proc and /sys files from a file on disk by their file system', () => {
    const proc = openSync('/proc/self/status', 'r');
    try {
      const st = same(proc);
      expect([st.fsType, st.onPseudoFileSystem(), isPseudoFileSystem(st.fsType)]).toEqual([0x9fa0, true, true]);
    } finally {
      closeSync(proc);
    }
    const sys = openSync('/sys', 'r'); // sysfs's root: mounted wherever /proc is
    try {
      expect([fileStat(sys).fsType, fileStat(sys).onPseudoFileSystem()]).toEqual([0x62656572, true]);
    } finally {
      closeSync(sys);
    }
  });

  it('answers the same in a worker thread, which loads the addon for itself, as on the main thread', async () => {
    const file = join(tmp.path, 'w');
    writeFileSync(file, 'seven b');
    const core = new URL('../dist/index.js', import.meta.url).href;
    const probe = `const fs = await import('node:fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'r'); const p = fs.openSync('/proc/self/status', 'r');
      const s = core.fileStat(fd); const q = core.fileStat(p); fs.closeSync(fd); fs.closeSync(p);
      return [s.size, s.ino, s.isFile(), s.onPseudoFileSystem(), q.onPseudoFileSystem()].join(' ');`;
    const script = `const core = await import(${JSON.stringify(core)});
      const { Worker } = await import('node:worker_threads');
      const here = await (async () => { ${probe} })();
      const w = new Worker(\`import { parentPort } from 'node:worker_threads'; const core = await import(${JSON.stringify(core)}); parentPort.postMessage(await (async () => { ${probe.replace(/`/g, '\\`').replace(/\$\{/g, '\\${')} })());\`, { eval: true });
      const there = await new Promise((r) => w.once('message', r));
      await w.terminate();
      console.log(here); console.log(there);`;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const fd = openSync(file, 'r');
    const ino = fstatSync(fd).ino;
    closeSync(fd);
    expect(r.stdout.toString()).toBe(`7 ${ino} true false true\n`.repeat(2));
  });

  it("a closed descriptor is a SystemError named after the user's thing, not the number", () => {
    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
    expect(() => fileStat(fd, 'poem.txt')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat', message: 'poem.txt: Bad file descriptor' }));
    expect(() => fileStat(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});
