// Hostile input from JavaScript and hostile timing from other processes must never crash,
// hang or corrupt @mm/core. Each block here is one defect that the native layer once had;
// scripts that could take the whole process down run in a child Node.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, constants as fsConstants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  flock,
  forkSignalReader,
  incrementLoop,
  mapAnonymous,
  openFile,
  openMapping,
  openShmMapping,
  probeAccess,
  readSome,
  shmList,
  shmStat,
  waitChild,
  writeAll,
  writeSignalPayload,
  SHM_DIR,
} from '../src/index.js';
import { binding } from '../src/native.js';
import { errorCode, runCommand, tempDir, uniqueShmName } from '@mm/testkit';

const tmp = tempDir('mm-native-safety-');
afterAll(() => tmp.cleanup());
const core = new URL('../dist/index.js', import.meta.url).pathname;
const nativeJs = new URL('../dist/native.js', import.meta.url).pathname;
const root = new URL('../../..', import.meta.url).pathname;

/** Runs an ES module script under `node` (default: this Node) and returns its status, output and duration. */
async function script(code: string, node = process.execPath, timeoutMs = 30_000): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const r = await runCommand(node, ['--input-type=module', '-e', code], { timeoutMs });
  return { code: r.code, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr, ms: Date.now() - t0 };
}

/** State letter of a process from /proc/PID/stat ('Z' zombie), or null once it is gone. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** Resolves once `pid` is dead (gone or a zombie), or with false after `ms`. */
async function diesWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = procState(pid);
    if (s === null || s === 'Z') return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const timeout = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms).unref());

describe('SharedArrayBuffer views (writeAll / readSome take the pointer from the view)', () => {
  const sabScript = (file: string): string => `
    const mm = await import(${JSON.stringify(core)});
    const fs = await import('node:fs');
    const sab = new SharedArrayBuffer(64);
    const view = new Uint8Array(sab, 8, 16);
    view.set(Buffer.from('shared-bytes-ok!'));
    const fd = fs.openSync(${JSON.stringify(file)}, 'w+');
    const wrote = mm.writeAll(fd, view, 'sab.bin');
    const back = new Uint8Array(sab, 32, 16);
    const got = mm.readSome(fs.openSync(${JSON.stringify(file)}, 'r'), back);
    const dv = mm.writeAll(fd, new DataView(sab, 8, 6));
    console.log(JSON.stringify({ wrote, got, back: Buffer.from(back).toString(), file: fs.readFileSync(${JSON.stringify(file)}, 'latin1') }));
  `;
  const expected = { wrote: 16, got: 16, back: 'shared-bytes-ok!', file: 'shared-bytes-ok!shared' };

  it('on this Node (20 in CI): bytes come from and land in the SharedArrayBuffer', async () => {
    const r = await script(sabScript(join(tmp.path, 'sab20.bin')));
    expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it('on Node 24 (tools/matrix)', async (ctx) => {
    const node24 = join(root, 'tools', 'matrix', 'node_modules', 'node24', 'bin', 'node');
    if (!existsSync(node24)) {
      console.warn(`skipping: ${node24} is not installed (the matrix check installs it)`);
      return ctx.skip();
    }
    const r = await script(sabScript(join(tmp.path, 'sab24.bin')), node24);
    expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });
});

describe('waiting for children never blocks a thread', () => {
  const waiterScript = (end: string): string => `
    const mm = await import(${JSON.stringify(core)});
    const fs = await import('node:fs');
    const m = mm.mapAnonymous(4096);
    const pid = mm.forkSignalReader(m, { outFd: fs.openSync('/dev/null', 'w') });
    mm.waitChild(pid);
    console.log(pid);
    setTimeout(() => { ${end} }, 100);
  `;

  it('process.exit() with a wait pending ends at once (and the child dies with the process)', async () => {
    const r = await script(waiterScript('process.exit(0)'), process.execPath, 20_000);
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.ms).toBeLessThan(15_000);
    expect(await diesWithin(Number(r.stdout.trim()), 5000)).toBe(true);
  });

  it('an uncaught exception with a wait pending ends at once with status 1', async () => {
    const r = await script(waiterScript("throw new Error('boom')"), process.execPath, 20_000);
    expect([r.code, r.signal]).toEqual([1, null]);
    expect(r.stderr).toContain('boom');
    expect(await diesWithin(Number(r.stdout.trim()), 5000)).toBe(true);
  });

  it('Worker.terminate() with a wait pending in the worker resolves', async () => {
    const r = await script(`
      const { Worker } = await import('node:worker_threads');
      // The worker inherits --input-type=module: its code is an ES module too.
      const w = new Worker(\`
        const { parentPort } = await import('node:worker_threads');
        const mm = await import(${JSON.stringify(core)});
        const fs = await import('node:fs');
        const pid = mm.forkSignalReader(mm.mapAnonymous(4096), { outFd: fs.openSync('/dev/null', 'w') });
        mm.waitChild(pid);
        parentPort.postMessage(pid);
      \`, { eval: true });
      w.on('message', async (pid) => {
        await w.terminate();
        console.log('terminated');
        process.kill(pid, 'SIGKILL');
      });
    `, process.execPath, 20_000);
    expect([r.code, r.signal, r.stdout.trim(), r.stderr]).toEqual([0, null, 'terminated', '']);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('pending waits do not starve fs.promises (no libuv pool thread is parked)', async () => {
    const devnull = openSync('/dev/null', 'w');
    const pids = Array.from({ length: 6 }, () => forkSignalReader(mapAnonymous(4096), { outFd: devnull }));
    closeSync(devnull);
    const waits = pids.map((pid) => waitChild(pid));
    try {
      const got = await Promise.race([readFile(new URL(import.meta.url).pathname, 'utf8').then(() => 'read'), timeout(5000, 'starved')]);
      expect(got).toBe('read');
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const ends = await Promise.all(waits);
      expect(ends.map((e) => e.signal)).toEqual(pids.map(() => 'SIGKILL'));
    }
  });

  it('probeAccess is asynchronous: timers run while the child touches its pages', async () => {
    const m = mapAnonymous(256 * 1024 * 1024, { sharing: 'private' });
    m.advise('nohugepage');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const pending = probeAccess(m, { op: 'read', offset: 0, length: m.length });
    expect(pending).toBeInstanceOf(Promise);
    const r = await pending;
    clearInterval(timer);
    m.unmap();
    expect(r).toMatchObject({ ok: true, value: 0 });
    expect(ticks).toBeGreaterThan(0);
  });

  it('a wait that fails is an error, never "exited 0": not our child, or reaped by another wait', async () => {
    await expect(waitChild(1)).rejects.toHaveProperty('code', 'ECHILD');
    const pid = forkSignalReader(mapAnonymous(4096), { outFd: 1 });
    const [a, b] = [waitChild(pid), waitChild(pid)];
    process.kill(pid, 'SIGTERM');
    const settled = await Promise.allSettled([a, b]);
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect((ok[0] as PromiseFulfilledResult<{ signal: string }>).value.signal).toBe('SIGTERM');
    expect(failed.map((f) => (f.reason as { code: string }).code)).toEqual(['ECHILD']);
  });

  it("a probe's child is reaped by the probe alone: a faulting access reads as SIGSEGV, even with a wait on pid 2^32-1 attempted", async () => {
    // 2^32-1 once became waitpid(-1) on a pool thread, which reaped the probe's child, and the
    // probe's own failed waitpid read as "exited 0".
    const sleeper = forkSignalReader(mapAnonymous(4096), { outFd: 1 });
    try {
      binding.waitChild(2 ** 32 - 1).catch(() => {});
    } catch {
      // refused: the point
    }
    const m = mapAnonymous(4096, { access: 'none' });
    const r = await probeAccess(m, { op: 'read', offset: 0 });
    process.kill(sleeper, 'SIGKILL');
    await waitChild(sleeper).catch(() => {});
    expect(r).toMatchObject({ ok: false, signal: 'SIGSEGV' });
  });
});

describe('pids and fds are never truncated to 32 bits', () => {
  it('writeAll(2^32+1) is refused (it once wrote to stdout), in TypeScript and in C++', () => {
    expect(errorCode(() => writeAll(2 ** 32 + 1, Buffer.from('x')))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.writeAll(2 ** 32 + 1, Buffer.from('x')))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => readSome(2 ** 32, Buffer.alloc(1)))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.flock(2 ** 32 + 3, 8))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.allocate(-1, 0, 1))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => forkSignalReader(mapAnonymous(4096), { outFd: 2 ** 32 + 1 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.forkSignalReader(mapAnonymous(4096).handle, 10, 2 ** 32 + 1, -1, 0, 8))).toBe('ERR_OUT_OF_RANGE');
  });

  it("waitChild(2^32-1) is refused and reaps nobody: a child_process child's 'exit' still fires", async () => {
    const child = spawn('sleep', ['0.3']);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await expect(waitChild(2 ** 32 - 1)).rejects.toHaveProperty('code', 'ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.waitChild(2 ** 32 - 1))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.waitChild(0))).toBe('ERR_OUT_OF_RANGE');
    expect(await Promise.race([exited, timeout(10_000, 'never')])).toBe(0);
  });
});

describe('native loops on memory they may not touch', () => {
  it('incrementLoop / addUntilStop on a read-only or PROT_NONE mapping throw ERR_MM_ACCESS (once a SIGSEGV)', async () => {
    const file = join(tmp.path, 'shrinks.bin');
    const r = await script(`
      const mm = await import(${JSON.stringify(core)});
      const { binding } = await import(${JSON.stringify(nativeJs)});
      const fs = await import('node:fs');
      const out = [];
      const code = (f) => { try { f(); return 'no error'; } catch (e) { return e.code; } };
      for (const access of ['r', 'none']) {
        const m = mm.mapAnonymous(4096, { access });
        out.push(code(() => mm.incrementLoop(m, { atomic: true, count: 1 })));
        out.push(code(() => mm.incrementLoop(m, { atomic: false, count: 0, width: 64 })));
        out.push(code(() => mm.addUntilStop(m, { offset: 0, stopOffset: 4, step: 1, atomic: true, max: 1 })));
        // The native side asks the kernel itself, whatever TypeScript believes.
        out.push(code(() => binding.incrementLoop(m.handle, 0, 32, true, 1)));
        out.push(code(() => binding.addUntilStop(m.handle, 0, 4, 1, false, 1)));
      }
      fs.writeFileSync(${JSON.stringify(file)}, Buffer.alloc(8192));
      const f = mm.openMapping(${JSON.stringify(file)}, { access: 'rw' });
      fs.truncateSync(${JSON.stringify(file)}, 0);
      // A page that vanished under an rw file mapping is not a protection problem: the loop
      // meets it through core's fault handler (a page of zeros) and check() names the shrink.
      out.push(code(() => mm.incrementLoop(f, { atomic: true, count: 1, offset: 4096 })));
      out.push(f.faults > 0 ? 'faulted' : 'no fault');
      out.push(code(() => f.check('counting')));
      const ok = mm.mapAnonymous(4096);
      out.push(mm.incrementLoop(ok, { atomic: true, count: 5 }));
      console.log(JSON.stringify(out));
    `);
    expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
    expect(JSON.parse(r.stdout)).toEqual([...Array<string>(10).fill('ERR_MM_ACCESS'), 'no error', 'faulted', 'EFAULT', 5]);
  });

  it('the access check changes nothing: concurrent atomic increments stay exact', () => {
    const m = mapAnonymous(8);
    for (let i = 0; i < 1000; i++) incrementLoop(m, { atomic: true, count: 3 });
    expect(new Int32Array(m.buffer)[0]).toBe(3000);
  });
});

describe('forked children', () => {
  it('keep only the fds they need: a lock the parent released is free, /proc/PID/fd lists the output alone', async () => {
    const lockPath = join(tmp.path, 'locked');
    writeFileSync(lockPath, '');
    const held = openFile(lockPath, fsConstants.O_RDWR);
    flock(held, 'exclusive');
    const out = openSync(join(tmp.path, 'reader-out'), 'w');
    const pid = forkSignalReader(mapAnonymous(4096), { outFd: out });
    try {
      closeSync(held); // the parent lets go of the lock
      const fds = readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
      expect(fds).toEqual([out]);
      expect(readlinkSync(`/proc/${pid}/fd/${out}`)).toBe(join(tmp.path, 'reader-out'));
      const again = openFile(lockPath, fsConstants.O_RDWR);
      try {
        expect(errorCode(() => flock(again, 'exclusive', { wait: false }))).toBe('no error');
      } finally {
        closeSync(again);
      }
    } finally {
      process.kill(pid, 'SIGKILL');
      await waitChild(pid);
      closeSync(out);
    }
  });

  it('never lose a wake-up: SIGWINCH, SIGCHLD, SIGURG, SIGCONT sent the moment forkSignalReader returns (200 tries)', async () => {
    const devnull = openSync('/dev/null', 'w');
    const signals = ['SIGWINCH', 'SIGCHLD', 'SIGURG', 'SIGCONT'] as const;
    let lost = 0;
    let tries = 0;
    try {
      for (let batch = 0; batch < 8; batch++) {
        const pids: number[] = [];
        for (let i = 0; i < 25; i++) {
          const m = mapAnonymous(4096);
          writeSignalPayload(m, Buffer.alloc(0));
          const sig = signals[(batch * 25 + i) % signals.length];
          const pid = forkSignalReader(m, { signal: sig, outFd: devnull });
          process.kill(pid, sig);
          pids.push(pid);
          tries++;
        }
        const ends = await Promise.all(pids.map((pid) => Promise.race([waitChild(pid), timeout(5000, null)])));
        for (let i = 0; i < pids.length; i++) {
          if (ends[i] === null) {
            lost++;
            process.kill(pids[i], 'SIGKILL');
            await waitChild(pids[i]);
          } else {
            expect(ends[i]).toMatchObject({ code: 0, signal: null });
          }
        }
      }
    } finally {
      closeSync(devnull);
    }
    expect({ tries, lost }).toEqual({ tries: 200, lost: 0 });
  });

  it('a child forked from a worker thread outlives that worker, and dies with the process', async () => {
    const r = spawn(process.execPath, ['--input-type=module', '-e', `
      const { Worker } = await import('node:worker_threads');
      const fs = await import('node:fs');
      const w = new Worker(\`
        const { parentPort } = await import('node:worker_threads');
        const mm = await import(${JSON.stringify(core)});
        const fs = await import('node:fs');
        parentPort.postMessage(mm.forkSignalReader(mm.mapAnonymous(4096), { outFd: fs.openSync('/dev/null', 'w') }));
      \`, { eval: true });
      let pid = 0;
      w.on('message', (p) => { pid = p; });
      w.on('exit', () => setTimeout(() => {
        let state = null;
        try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'latin1'); state = s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3); } catch {}
        console.log(JSON.stringify({ pid, state }));
      }, 300));
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    r.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const line = await new Promise<string>((resolve) => {
      const t = setInterval(() => {
        if (out.includes('\n')) {
          clearInterval(t);
          resolve(out.trim());
        }
      }, 20);
      setTimeout(() => {
        clearInterval(t);
        resolve(out.trim());
      }, 20_000);
      r.on('close', () => resolve(out.trim()));
    });
    const closed = new Promise((resolve) => r.on('close', resolve));
    r.kill('SIGKILL');
    await closed;
    expect(line).toMatch(/^\{/);
    const seen = JSON.parse(line) as { pid: number; state: string | null };
    expect(seen.pid).toBeGreaterThan(0);
    expect(['S', 'R']).toContain(seen.state); // alive after the worker that forked it ended
    expect(await diesWithin(seen.pid, 5000)).toBe(true); // and gone with the process
  });
});

describe('argument checks before anything is created', () => {
  it("openShmMapping refuses sharing 'SHARED' and an unknown protection; no object is left", () => {
    const name = uniqueShmName('mmsafety');
    expect(errorCode(() => openShmMapping(name, { create: true, size: 64, sharing: 'SHARED' as never }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => openShmMapping(name, { create: true, size: 64, access: 'rwx' as never }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => openShmMapping(name, { create: true, size: 64, readOnly: 'w' as never }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(existsSync(`${SHM_DIR}/${name}`)).toBe(false);
  });

  it('openMapping refuses mode -1 (it once made a 07755 file); so does the native open', () => {
    const p = join(tmp.path, 'mode-minus-one');
    expect(errorCode(() => openMapping(p, { create: true, size: 8, access: 'rw', mode: -1 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => openMapping(p, { create: true, size: 8, access: 'rw', mode: 0o10000 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.openFd(p, fsConstants.O_CREAT | fsConstants.O_RDWR, -1))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => binding.shmOpen('/' + uniqueShmName('mmsafety'), fsConstants.O_CREAT | fsConstants.O_RDWR, -1))).toBe('ERR_OUT_OF_RANGE');
    expect(existsSync(p)).toBe(false);
  });
});

describe('no C++ exception reaches Node', () => {
  it('shm calls with an empty name are errors, not an abort (std::out_of_range)', async () => {
    const r = await script(`
      const { binding } = await import(${JSON.stringify(nativeJs)});
      const code = (f) => { try { f(); return 'no error'; } catch (e) { return e.code + ' ' + e.message; } };
      console.log(JSON.stringify([code(() => binding.shmOpen('', 0, 0)), code(() => binding.shmUnlink(''))]));
    `);
    expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
    const [open, unlink] = JSON.parse(r.stdout) as string[];
    expect(open).toMatch(/^E[A-Z]+ shm_open: /);
    expect(unlink).toMatch(/^E[A-Z]+ shm_unlink: /);
  });

  it("binding.gyp makes one choice: node-addon-api's documented except_all target, nothing else toggling exceptions", () => {
    const gyp = readFileSync(new URL('../binding.gyp', import.meta.url), 'utf8');
    expect(gyp).toContain(`require('node-addon-api').targets\\"):node_addon_api_except_all`);
    expect(gyp).not.toMatch(/NAPI_DISABLE_CPP_EXCEPTIONS|NAPI_CPP_EXCEPTIONS|fno-exceptions/);
  });
});

describe('shm listings do not follow symbolic links', () => {
  it('a /dev/shm link to /etc/passwd is shown as a link, with its own size and mode', () => {
    const name = uniqueShmName('mmsafetylink');
    symlinkSync('/etc/passwd', `${SHM_DIR}/${name}`);
    try {
      const info = shmStat(name);
      expect(info.linkTarget).toBe('/etc/passwd');
      expect(info.size).toBe('/etc/passwd'.length);
      expect(info.mode).toBe(0o777);
      const listed = shmList().find((i) => i.name === name);
      expect(listed).toMatchObject({ linkTarget: '/etc/passwd', size: '/etc/passwd'.length });
      expect(shmList().find((i) => i.linkTarget === undefined && i.name === name)).toBeUndefined();
    } finally {
      rmSync(`${SHM_DIR}/${name}`);
    }
  });
});
