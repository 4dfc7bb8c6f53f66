import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { greeting, runArbiter, stepText } from '../src/arbiter.js';
import { BIN, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('arb');

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  waitFor: (text: string) => Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a node process (stdin a pipe, never a TTY) and collects its output as it comes. */
function start(args: string[]): Running {
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) if (out.includes(w.text)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        void exit.then(() => (out.includes(text) ? resolve() : reject(new Error(`exited before printing ${JSON.stringify(text)}: ${out}${err}`))));
      }),
    exit,
  };
}

// An independent reader: polls /dev/shm/NAME with plain reads, prints each new content
// (up to the first NUL) as a JSON line, and stops once the object has come and gone.
const POLLER = `
const fs = require('node:fs');
const path = '/dev/shm/' + process.argv[1];
let seen = false, last;
console.log('ready');
const tick = () => {
  let text;
  try { const b = fs.readFileSync(path); const z = b.indexOf(0); text = b.subarray(0, z < 0 ? b.length : z).toString('latin1'); }
  catch { if (seen) { console.log(JSON.stringify({ gone: true })); return; } setTimeout(tick, 5); return; }
  seen = true;
  if (text !== last) { console.log(JSON.stringify({ text })); last = text; }
  setTimeout(tick, 5);
};
tick();`;

describe('mm-shm arbiter', () => {
  it('non-TTY run from creation to shm_unlink: a polling reader and a piped watch see the greeting and every step', async () => {
    const n = newName();
    const steps = 4;
    const poller = start(['-e', POLLER, n]);
    await poller.waitFor('ready');
    const arb = start([BIN, 'arbiter', '--name', n, '--steps', String(steps), '--interval', '400', '--pause', '1500']);
    await arb.waitFor('created ');
    const watch = start([BIN, 'watch', n, '--interval', '10']);

    const [a, p, w] = await Promise.all([arb.exit, poller.exit, watch.exit]);
    const pid = arb.child.pid!;
    const expected = [greeting(pid), ...Array.from({ length: steps }, (_, i) => stepText(pid, i + 1, steps))];

    expect(a.code).toBe(0);
    expect(arb.stderr()).toBe('');
    const log = arb.stdout();
    expect(log).toContain(`created /dev/shm/${n} (4096 bytes, mode 0600), mapped it shared\n`);
    expect(log).toContain('pausing 1500 ms (stdin is not a terminal)\n');
    for (let i = 1; i <= steps; i++) expect(log).toContain(`step ${i} of ${steps}\n`);
    expect(log.trimEnd().split('\n').at(-1)).toBe(`shm_unlink /${n}: gone from /dev/shm`);
    expect(existsSync(`/dev/shm/${n}`)).toBe(false);

    // The reader saw exactly these contents, in this order, and then the object vanished.
    expect(p.code).toBe(0);
    // (A reader may first catch the brand-new object still all zeros, before the greeting.)
    let seen = poller.stdout().trim().split('\n').slice(1).map((l) => JSON.parse(l) as { text?: string; gone?: boolean });
    if (seen[0]?.text === '') seen = seen.slice(1);
    expect(seen).toEqual([...expected.map((text) => ({ text })), { gone: true }]);

    // The piped watch printed a new dump for the greeting (or a later step, if it started
    // late) and for each step after it, then ended by itself when the object was removed.
    expect(w.code).toBe(0);
    expect(watch.stderr()).toBe(`mm-shm: ${n}: removed\n`);
    const dumps = watch.stdout().split(/^--- .*---\n/m).slice(1);
    expect(watch.stdout()).toMatch(new RegExp(`^--- ${n}: 4096 bytes at \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ---\\n`));
    let texts = dumps.map((d) => {
      // Back from hex to bytes (the first lines suffice: the text ends at the first NUL).
      const hex = d.split('\n').filter((l) => /^[0-9a-f]{8}: /.test(l)).map((l) => l.slice(10, 49).replace(/ /g, '')).join('');
      const bytes = Buffer.from(hex, 'hex');
      return bytes.subarray(0, bytes.indexOf(0)).toString('latin1');
    });
    if (texts[0] === '') texts = texts.slice(1);
    expect(texts.length).toBeGreaterThanOrEqual(steps);
    expect(texts).toEqual(expected.slice(expected.length - texts.length));
  });

  it('--keep leaves the object for ls to show and rm to remove', async () => {
    const n = newName();
    const r = await shm(['arbiter', '--name', n, '--keep', '--steps', '2', '--interval', '0', '--pause', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain(`kept /${n} (no shm_unlink)`);
    const data = readFileSync(`/dev/shm/${n}`);
    expect(data.length).toBe(4096);
    expect(data.subarray(0, data.indexOf(0)).toString()).toMatch(/^Hello from the arbiter \(pid \d+\)! Step 2 of 2\.\n$/);
    const ls = await shm(['ls']);
    expect(ls.stdout.toString()).toMatch(new RegExp(`^${n}\\s+4096\\s+0600\\s+root\\s`, 'm'));
    expect((await shm(['rm', n])).code).toBe(0);
    expect(existsSync(`/dev/shm/${n}`)).toBe(false);
  });

  it('SIGTERM during the run unlinks the object and exits 143; with --keep, SIGINT leaves it (exit 130)', async () => {
    const n = newName();
    const arb = start([BIN, 'arbiter', '--name', n, '--steps', '1000', '--interval', '50', '--pause', '0']);
    await arb.waitFor('step 2 of 1000');
    expect(existsSync(`/dev/shm/${n}`)).toBe(true);
    arb.child.kill('SIGTERM');
    const e = await arb.exit;
    expect(e.code).toBe(143);
    expect(arb.stdout()).toContain(`interrupted by SIGTERM\nshm_unlink /${n}: gone from /dev/shm\n`);
    expect(existsSync(`/dev/shm/${n}`)).toBe(false);

    const k = newName();
    const kept = start([BIN, 'arbiter', '--name', k, '--keep', '--steps', '1000', '--interval', '50', '--pause', '0']);
    await kept.waitFor('step 1 of 1000');
    kept.child.kill('SIGINT');
    expect((await kept.exit).code).toBe(130);
    expect(kept.stdout()).toContain(`interrupted by SIGINT\nkept /${k}`);
    expect(statSync(`/dev/shm/${k}`).size).toBe(4096);
    await shm(['rm', k]);
  });

  it('--exclusive refuses an existing object and leaves it as it was', async () => {
    const n = newName();
    await shm(['write', n], { input: 'mine' });
    const r = await shm(['arbiter', '--name', '/' + n, '--exclusive', '--steps', '1', '--pause', '0', '--interval', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-shm: ${n}: already exists\n`);
    expect(r.stdout.length).toBe(0);
    expect(readFileSync(`/dev/shm/${n}`).toString()).toBe('mine');
    await shm(['rm', n]);
  });

  it('on a terminal it waits for Enter before the steps (library, with a stand-in input)', async () => {
    const n = newName();
    const input = new PassThrough();
    const lines: string[] = [];
    let settled = false;
    const run = runArbiter({ name: n, steps: 1, interval: 0, waitForEnter: true, input, log: (l) => lines.push(l) });
    void run.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.at(-1)).toBe('press Enter to continue');
    expect(readFileSync(`/dev/shm/${n}`).subarray(0, 13).toString()).toBe('Hello from th');
    expect(settled).toBe(false); // still waiting for Enter
    input.write('\n');
    const result = await run;
    expect(result).toMatchObject({ name: n, completed: true, unlinked: true });
    expect(result.contents).toEqual([greeting(process.pid), stepText(process.pid, 1, 1)]);
    expect(lines.at(-2)).toBe('step 1 of 1');
    expect(existsSync(`/dev/shm/${n}`)).toBe(false);
  });
});
