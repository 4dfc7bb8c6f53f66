import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openMapping, mapAnonymous, futexWait, futexWaitAsync, futexWake, futexPendingWaits, shmUnlink, openShmMapping } from '../src/index.js';
import { tempDir, runCommand, uniqueShmName, haveCommand, errorCode } from '@mm/testkit';

const tmp = tempDir('mm-futex-');
const core = new URL('../dist/index.js', import.meta.url).pathname;
const peerSource = new URL('../../../tools/bench/futex/peer.c', import.meta.url).pathname;
let peer: string | undefined;

beforeAll(() => {
  if (!haveCommand('cc', 'the futex interop tests with the C peer')) return;
  const out = join(tmp.path, 'peer');
  const r = spawnSync('cc', ['-O2', '-o', out, peerSource], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc failed: ${r.stderr}`);
  peer = out;
});
afterAll(() => tmp.cleanup());

function wordFile(name: string): string {
  const p = join(tmp.path, name);
  writeFileSync(p, Buffer.alloc(4096));
  return p;
}

async function peerRun(...args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runCommand(peer!, args, { timeoutMs: 20_000 });
  return { code: r.code, out: r.stdout.toString().trim() };
}

/** A Node child that sleeps on the word in a loop with the sync form until it differs from 0, then prints it. */
const syncWaiter = (path: string, offset: number) => `
  const mm = await import(${JSON.stringify(core)});
  const m = mm.openMapping(${JSON.stringify(path)}, { access: 'rw' });
  const a = new Int32Array(m.buffer);
  while (Atomics.load(a, ${offset / 4}) === 0) mm.futexWait(m, ${offset}, 0, { timeout: 20000 });
  console.log(Atomics.load(a, ${offset / 4}));`;

describe('futex interop with a C program using futex(2)', () => {
  it('C waits, Node wakes: the C peer is asleep on the same futex and wakes when Node changes the word', async (ctx) => {
    if (!peer) return ctx.skip();
    const p = wordFile('c-waits.bin');
    const m = openMapping(p, { access: 'rw' });
    const c = spawn(peer, ['wait', p, '8', '0', '20000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => c.on('close', r));
    // A wake with the word unchanged is a spurious wake-up for the peer, which sleeps again;
    // it counts 1 only once the C process sleeps on the very futex Node wakes.
    let woken = 0;
    for (let i = 0; i < 1000 && woken === 0; i++) {
      woken = futexWake(m, 8);
      if (woken === 0) await sleep(10);
    }
    expect(woken).toBe(1);
    // Change, then wake: the peer is asleep again (woken now) or about to re-check (sees 7).
    new Int32Array(m.buffer)[2] = 7;
    futexWake(m, 8);
    expect(await exited).toBe(0);
    expect(out.trim()).toBe('7');
    m.unmap();
  });

  it('Node waits (sync form, in another process), C wakes', async (ctx) => {
    if (!peer) return ctx.skip();
    const p = wordFile('node-waits.bin');
    const child = runCommand(process.execPath, ['--input-type=module', '-e', syncWaiter(p, 12)], { timeoutMs: 30_000 });
    let woken = '0';
    for (let i = 0; i < 1000 && woken === '0'; i++) {
      woken = (await peerRun('wake', p, '12', '0')).out; // word unchanged: a spurious wake-up
      if (woken === '0') await sleep(10);
    }
    expect(woken).toBe('1');
    expect((await peerRun('wake', p, '12', '5')).code).toBe(0);
    const r = await child;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim()).toBe('5');
  });

  it('Node waits (async form) on a shm object, C wakes it through /dev/shm', async (ctx) => {
    if (!peer) return ctx.skip();
    const name = uniqueShmName('mmfutex');
    const m = openShmMapping(name, { create: true, size: 4096, access: 'rw' });
    try {
      const waiting = futexWaitAsync(m, 16, 0, { ref: true, timeout: 30_000 });
      let woken = '0';
      for (let i = 0; i < 1000 && woken === '0'; i++) {
        woken = (await peerRun('wake', `/dev/shm/${name}`, '16', '3')).out;
        if (woken === '0') await sleep(10);
      }
      expect(woken).toBe('1');
      expect(await waiting).toBe('ok');
      expect(new Int32Array(m.buffer)[4]).toBe(3);
      expect(futexPendingWaits()).toBe(0);
    } finally {
      m.unmap();
      shmUnlink(name);
    }
  });
});

describe('futexWait and futexWaitAsync', () => {
  it('return not-equal at once when the word differs, timed-out after the timeout', async () => {
    const m = mapAnonymous(64);
    new Int32Array(m.buffer)[1] = -5;
    expect(futexWait(m, 4, 0)).toBe('not-equal');
    expect(futexWait(m, 4, -5, { timeout: 0 })).toBe('timed-out');
    expect(futexWait(m, 4, 0xfffffffb, { timeout: 1.5 })).toBe('timed-out'); // the same 32 bits, unsigned
    expect(await futexWaitAsync(m, 4, 1)).toBe('not-equal');
    expect(await futexWaitAsync(m, 4, -5, { timeout: 20, ref: true })).toBe('timed-out');
    expect(futexPendingWaits()).toBe(0);
  });

  it('an AbortSignal cancels an asynchronous wait: AbortError, nothing left pending', async () => {
    const m = mapAnonymous(64);
    const ac = new AbortController();
    const waiting = futexWaitAsync(m, 0, 0, { signal: ac.signal, ref: true });
    await sleep(20);
    expect(futexPendingWaits()).toBe(1);
    // The waiter thread is named, for top -H, debuggers and /proc/PID/task/*/comm.
    const names = readdirSync('/proc/self/task').map((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim());
    expect(names).toContain('mm-futex-wait');
    ac.abort(new Error('enough'));
    const e = await waiting.then(() => null, (err: unknown) => err as Error & { code: string });
    expect(e?.name).toBe('AbortError');
    expect(e?.code).toBe('ABORT_ERR');
    expect((e?.cause as Error).message).toBe('enough');
    expect(futexPendingWaits()).toBe(0);
    await expect(futexWaitAsync(m, 0, 0, { signal: ac.signal })).rejects.toThrow(/aborted/);
  });

  it('a pending wait survives its mapping being unmapped and is woken through another mapping of the file', async () => {
    const p = wordFile('unmapped.bin');
    const m = openMapping(p, { access: 'rw' });
    const waiting = futexWaitAsync(m, 24, 0, { ref: true, timeout: 30_000 });
    m.unmap();
    const other = openMapping(p, { access: 'rw' });
    // The word stays 0, so the wait can only end by a wake-up that reaches it through `other`.
    let woken = 0;
    for (let i = 0; i < 1000 && woken === 0; i++) {
      woken = futexWake(other, 24);
      if (woken === 0) await sleep(10);
    }
    expect(woken).toBe(1);
    expect(await waiting).toBe('ok');
    expect(futexPendingWaits()).toBe(0);
    other.unmap();
  });

  it('pending waits use threads of their own: fs.promises still works with 8 of them pending (4 pool threads)', async () => {
    const m = mapAnonymous(64);
    const ac = new AbortController();
    const waits = Array.from({ length: 8 }, (_, i) => futexWaitAsync(m, 4 * i, 0, { signal: ac.signal }).catch((e: Error) => e.name));
    const text = await readFile(new URL(import.meta.url), 'utf8');
    expect(text).toContain('fs.promises still works');
    ac.abort();
    expect(await Promise.all(waits)).toEqual(Array(8).fill('AbortError'));
  });

  it('a word whose page is gone (the file was truncated under the mapping) is an EFAULT error, not a SIGBUS', async () => {
    const p = wordFile('truncated.bin');
    const m = openMapping(p, { access: 'rw' });
    truncateSync(p, 0);
    expect(errorCode(() => futexWait(m, 0, 0, { timeout: 1000 }))).toBe('EFAULT');
    expect(errorCode(() => futexWake(m, 0))).toBe('EFAULT');
    await expect(futexWaitAsync(m, 0, 0, { timeout: 1000 })).rejects.toMatchObject({ code: 'EFAULT', syscall: 'futex', path: p, message: `${p}: Bad address` });
    m.unmap();
  });

  it('refuses misaligned words, private and read-only mappings, words outside the mapping, unmapped mappings', () => {
    const p = wordFile('bad.bin');
    const rw = openMapping(p, { access: 'rw' });
    expect(errorCode(() => futexWait(rw, 2, 0))).toBe('ERR_MM_FUTEX_ALIGN');
    expect(errorCode(() => futexWake(openMapping(p, { access: 'rw', offset: 2 }), 0))).toBe('ERR_MM_FUTEX_ALIGN');
    expect(errorCode(() => futexWait(openMapping(p, { access: 'rw', sharing: 'private' }), 0, 0))).toBe('ERR_MM_FUTEX_PRIVATE');
    expect(errorCode(() => futexWait(mapAnonymous(8, { sharing: 'private' }), 0, 0))).toBe('ERR_MM_FUTEX_PRIVATE');
    expect(errorCode(() => futexWake(openMapping(p), 0))).toBe('ERR_MM_FUTEX_ACCESS');
    expect(errorCode(() => futexWait(rw, 4096, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => futexWait(rw, 0, 2 ** 32))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => futexWait(rw, 0, 0, { timeout: -1 }))).toBe('ERR_OUT_OF_RANGE');
    rw.unmap();
    expect(errorCode(() => futexWake(rw, 0))).toBe('ERR_MM_UNMAPPED');
  });
});

describe('a pending asynchronous wait never holds the process', () => {
  const pending = `
    const mm = await import(${JSON.stringify(core)});
    const m = mm.mapAnonymous(64);
    mm.futexWaitAsync(m, 0, 0, { ref: REF }).then((r) => console.log('settled', r));`;

  for (const [what, ref, tail, code] of [
    ['the event loop empties (unref’d wait)', false, `console.log('end');`, 0],
    ['process.exit()', true, `setTimeout(() => process.exit(3), 50);`, 3],
    ['an uncaught exception', true, `setTimeout(() => { throw new Error('boom'); }, 50);`, 1],
  ] as const) {
    it(`exits on ${what}`, async () => {
      const r = await runCommand(process.execPath, ['--input-type=module', '-e', pending.replace('REF', String(ref)) + tail], { timeoutMs: 20_000 });
      expect(r.signal).toBeNull(); // not killed by the timeout
      expect(r.code).toBe(code);
      expect(r.stdout.toString()).not.toContain('settled');
    });
  }

  it('Worker.terminate() ends a worker with a ref’d wait pending', async () => {
    const worker = `
      const { parentPort } = await import('node:worker_threads'); // ESM: the worker inherits --input-type=module
      const mm = await import(${JSON.stringify(core)});
      const m = mm.mapAnonymous(64);
      mm.futexWaitAsync(m, 0, 0, { ref: true }).then((r) => console.log('settled', r));
      parentPort.postMessage(mm.futexPendingWaits());`;
    const script = `
      const { Worker } = await import('node:worker_threads');
      const w = new Worker(${JSON.stringify(worker)}, { eval: true });
      w.on('message', async (n) => { await new Promise((r) => setTimeout(r, 50)); console.log('pending', n, 'exit', await w.terminate()); });`;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim()).toBe('pending 1 exit 1');
  });
});
