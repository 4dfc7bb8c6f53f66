// End to end: the built `mm-counter` run from bash the way the lab runs fsipc — in parallel
// background jobs on one file — checked against `od`, a C program, kill -9 and Ctrl-C.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, binDir, binPath, haveCommand, runBash, runBin, skipTest, skipWithout, tempDir } from '@mm/testkit';
import { futexWake, openMapping } from '@mm/core';

const tmp = tempDir('mm-counter-cli-');
const bins = binDir();
const bin = binPath('mm-counter');
const cSource = new URL('../../../tools/bench/mm-counter/counter.c', import.meta.url).pathname;
afterAll(() => {
  tmp.cleanup();
  bins.cleanup();
});

let n = 0;
const fresh = (name = 'counter') => join(tmp.path, `${name}-${n++}.bin`);
const int32 = (file: string): number => readFileSync(file).readInt32LE(0);

/** Runs a bash script in the temp dir with mm-counter on PATH. */
function sh(script: string) {
  return runBash(script, { cwd: tmp.path, env: bins.env });
}

/** `od -An -t d4` (or d8) of the file's first counter, as a number string. */
function od(file: string, type = 'd4'): string {
  const r = spawnSync('od', ['-An', '-t', type, '-N', type === 'd8' ? '8' : '4', file], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

/** Waits until `test()` holds, polling every 20 ms (gives up after 30 s). */
async function until(test: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition never became true');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const nonEmpty = (f: string) => existsSync(f) && statSync(f).size >= 4 && int32(f) > 0;

describe('the lab, in bash', () => {
  it('one instance with the default count makes 10^9 increments, and od agrees', async () => {
    const f = fresh();
    const r = await sh(`mm-counter ${f}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('1000000000\n');
    expect(od(f)).toBe('1000000000');
    expect(statSync(f).size).toBe(4);
  });

  it('10 instances with --sync atomic end at exactly 10000000; the last add prints the total', async () => {
    for (let round = 0; round < 2; round++) {
      const f = fresh();
      const r = await sh(`for i in $(seq 10); do mm-counter ${f} -n 1e6 --sync atomic & done; wait`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const printed = r.stdout.toString().trim().split('\n').map(Number);
      expect(printed).toHaveLength(10);
      expect(new Set(printed).size).toBe(10);
      expect(Math.max(...printed)).toBe(10_000_000);
      expect(int32(f)).toBe(10_000_000);
      expect(od(f)).toBe('10000000');
    }
  });

  it('10 instances with --sync none end at no more than 10000000 (lost updates)', async () => {
    const f = fresh();
    const r = await sh(`for i in $(seq 10); do mm-counter ${f} -n 1e6 --sync none & done; wait; od -An -t d4 ${f}`);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trim().split('\n');
    const got = Number(lines.at(-1)!.trim());
    console.log(`10 racy instances x 1e6: ${got} of 10000000 (${10_000_000 - got} lost)`);
    expect(got).toBe(int32(f));
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(10_000_000);
    for (const v of lines.slice(0, -1).map(Number)) expect(v).toBeLessThanOrEqual(10_000_000);
    // 10^6 racy increments take well under a millisecond, so those instances may never overlap;
    // three of 10^8 each do, for long enough to show the race.
    const g = fresh();
    const long = await sh(`for i in 1 2 3; do mm-counter ${g} -n 1e8 & done; wait`);
    expect(long.code).toBe(0);
    console.log(`3 racy instances x 1e8: ${int32(g)} of 300000000 (${300_000_000 - int32(g)} lost)`);
    expect(int32(g)).toBeLessThanOrEqual(300_000_000);
    expect(od(g)).toBe(String(int32(g)));
  });

  it('three instances wrap a signed int32 past 2^31-1, od shows it negative, and each says so', async () => {
    const f = fresh();
    const start = 2 ** 31 - 1 - 1_500_000;
    const r = await sh(`mm-counter ${f} --set ${start} && for i in 1 2 3; do mm-counter ${f} -n 1e6 --sync atomic & done; wait`);
    expect(r.code).toBe(0);
    const expected = start + 3_000_000 - 2 ** 32;
    expect(int32(f)).toBe(expected);
    expect(od(f)).toBe(String(expected));
    expect(r.stdout.toString().trim().split('\n').map(Number)).toContain(expected);
    const notes = r.stderr.trim().split('\n');
    expect(notes.length).toBeGreaterThanOrEqual(1);
    for (const line of notes) expect(line).toBe(`mm-counter: note: ${f}: the 32-bit counter wrapped past 2147483647 to negative values (a signed int32, like the lab's); use --width 64 for an int64 counter`);
  });

  it('--width 64 counts in an int64 that od -t d8 reads, racing and exactly', async () => {
    const f = fresh();
    const r = await sh(`mm-counter ${f} --width 64 --set 4294967000 && for i in $(seq 4); do mm-counter ${f} --width 64 -n 1e6 --sync atomic & done; wait`);
    expect(r.stderr).toBe('');
    expect(statSync(f).size).toBe(8);
    expect(od(f, 'd8')).toBe(String(4_294_967_000 + 4_000_000));
    const g = fresh();
    const racy = await sh(`for i in 1 2 3; do mm-counter ${g} --width 64 -n 1e6 & done; wait`);
    expect(racy.code).toBe(0);
    expect(Number(od(g, 'd8'))).toBeLessThanOrEqual(3_000_000);
    const w = fresh();
    const wrap = await sh(`mm-counter ${w} --width 64 --set 9223372036854775806 && mm-counter ${w} --width 64 -n 3`);
    expect(wrap.stdout.toString()).toBe('-9223372036854775807\n');
    expect(wrap.stderr).toBe(`mm-counter: note: ${w}: the 64-bit counter wrapped past 9223372036854775807 to negative values (a signed int64, like the lab's)\n`);
    expect(od(w, 'd8')).toBe('-9223372036854775807');
  });

  it('--private: every instance counts in its own copy and the file stays 0', async () => {
    const f = fresh();
    const r = await sh(`for i in 1 2 3; do mm-counter ${f} --private -n 1e6 & done; wait`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('1000000\n1000000\n1000000\n');
    expect(readFileSync(f)).toEqual(Buffer.alloc(4));
    expect(od(f)).toBe('0');
    const g = fresh();
    const s = await sh(`mm-counter ${g} --set 42 && mm-counter ${g} --private -n 8 --sync atomic && mm-counter ${g} --get`);
    expect(s.stdout.toString()).toBe('50\n42\n');
  });
});

describe('one-liners for shell scripts', () => {
  it('--get, --set, --add (also negative and with shorthands) at both widths', async () => {
    const f = fresh();
    const r = await sh(`mm-counter ${f} --set 100; mm-counter ${f} --get; mm-counter ${f} --add 5; mm-counter ${f} --add -1K; mm-counter ${f} --add=+2; mm-counter ${f} --get`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('100\n105\n-895\n-893\n-893\n');
    expect(od(f)).toBe('-893');
    const g = fresh();
    const w = await sh(`mm-counter ${g} --width 64 --set 9000000000000000000; mm-counter ${g} --width 64 --add 1; mm-counter ${g} --width 64 --get`);
    expect(w.stdout.toString()).toBe('9000000000000000001\n9000000000000000001\n');
    expect(od(g, 'd8')).toBe('9000000000000000001');
  });

  it('--add 1 from 10 parallel jobs counts every job; --add that wraps notes it', async () => {
    const f = fresh();
    const r = await sh(`for i in $(seq 10); do mm-counter ${f} --add 1 >/dev/null & done; wait; mm-counter ${f} --get`);
    expect(r.stdout.toString()).toBe('10\n');
    const g = fresh();
    const w = await sh(`mm-counter ${g} --set -2147483648 && mm-counter ${g} --add -1`);
    expect(w.stdout.toString()).toBe('2147483647\n');
    expect(w.stderr).toMatch(/^mm-counter: note: .*wrapped below -2147483648 to positive values/);
  });

  it('--get does not create a missing file; -n 0 creates it as 4 zero bytes and prints 0', async () => {
    const f = fresh();
    const g = await runBin(bin, [f, '--get']);
    expect(g.code).toBe(1);
    expect(g.stderr).toBe(`mm-counter: ${f}: No such file or directory\n`);
    expect(existsSync(f)).toBe(false);
    const z = await runBin(bin, [f, '-n', '0']);
    expect(z.stdout.toString()).toBe('0\n');
    expect(readFileSync(f)).toEqual(Buffer.alloc(4));
  });

  it('- is standard input: a file the shell opened read-write (<>) is counted in place; a pipe is refused', async () => {
    const f = fresh();
    const r = await sh(`: > ${f}; mm-counter - -n 1000 --sync atomic <> ${f}; mm-counter - --get < ${f}; mm-counter - -n 1 < ${f}; echo "exit $?"; echo x | mm-counter - -n 1; echo "exit $?"`);
    expect(r.stdout.toString()).toBe('1000\n1000\nexit 1\nexit 1\n');
    expect(r.stderr).toBe("mm-counter: -: Permission denied\nmm-counter: -: stdin is not a regular file (the counter lives in a file that can be mapped; give one with 'mm-counter - <>FILE')\n");
    expect(od(f)).toBe('1000');
    expect(existsSync(join(tmp.path, '-'))).toBe(false);
  });

  it('stays quiet when the reader of stdout has gone', async () => {
    const f = fresh();
    const r = await sh(`mm-counter ${f} --add 1 | true; mm-counter ${f} -n 10 | true; mm-counter ${f} --get`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('11\n');
  });

  it('a longer file keeps everything after the counter', async () => {
    const f = fresh();
    writeFileSync(f, Buffer.concat([Buffer.alloc(4), Buffer.from('rest of the file\n')]));
    const r = await runBin(bin, [f, '-n', '1e5', '--sync', 'atomic']);
    expect(r.stdout.toString()).toBe('100000\n');
    expect(readFileSync(f).subarray(4).toString()).toBe('rest of the file\n');
  });
});

describe('--json', () => {
  it('prints one object with file, count, sync, start, end, elapsed_ms, ns_per_increment', async () => {
    const f = fresh();
    writeFileSync(f, Buffer.from([10, 0, 0, 0]));
    const r = await runBin(bin, [f, '-n', '2M', '--sync', 'atomic', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().split('\n');
    expect(lines).toHaveLength(2);
    const j = JSON.parse(lines[0]) as { elapsed_ms: number; ns_per_increment: number; count: number };
    expect(j).toMatchObject({ file: f, count: 2_000_000, sync: 'atomic', width: 32, private: false, start: 10, end: 2_000_010, wrapped: false, interrupted: false });
    expect(typeof j.elapsed_ms).toBe('number');
    expect(j.ns_per_increment).toBeCloseTo((j.elapsed_ms * 1e6) / j.count, 1);
    const g = await runBin(bin, [f, '--get', '--json']);
    expect(JSON.parse(g.stdout.toString())).toEqual({ file: f, width: 32, value: 2_000_010 });
    const a = await runBin(bin, [f, '--add', '-10', '--json']);
    expect(JSON.parse(a.stdout.toString())).toEqual({ file: f, width: 32, private: false, add: -10, previous: 2_000_010, value: 2_000_000, wrapped: false });
  });
});

describe('interrupted runs', () => {
  it('the file holds the last stored value after kill -9 of a running instance', async () => {
    const f = fresh();
    const child = spawn(process.execPath, [bin, f, '-n', '1e12', '--sync', 'atomic'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    await until(() => nonEmpty(f));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const v = int32(f);
    expect(v).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(int32(f)).toBe(v);
    expect(od(f)).toBe(String(v));
    const again = await runBin(bin, [f, '--get']);
    expect(again.stdout.toString()).toBe(`${v}\n`);
  });

  it('Ctrl-C (SIGINT) stops the loop, prints the value reached and exits 130', async () => {
    const f = fresh();
    const child = spawn(process.execPath, [bin, f, '-n', '1e12', '--sync', 'atomic'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await until(() => nonEmpty(f));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const v = int32(f);
    expect(out).toBe(`${v}\n`);
    expect(err).toBe(`mm-counter: SIGINT: stopped after ${v} of 1000000000000 increments\n`);
  });

  it('truncate -s 0 of the file under a running instance: one line on stderr, exit 1, the file left empty', async () => {
    // Without core's fault handler this is "Bus error" and status 135.
    const f = fresh();
    const child = spawn(process.execPath, [bin, f, '-n', '1e12', '--sync', 'atomic'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    await until(() => nonEmpty(f));
    const t = await sh(`truncate -s 0 ${f}`);
    expect(t.code).toBe(0);
    expect(await exited).toEqual([1, null]);
    expect(out).toBe('');
    expect(err).toBe(`mm-counter: ${f}: file shrank to 0 bytes while counting\n`);
    expect(statSync(f).size).toBe(0);
  });

  it('shows a progress bar on a terminal for a long run, never into a pipe or with NO_COLOR', async (ctx) => {
    skipWithout(ctx, 'script', 'the progress bar test (needs a pseudo-terminal)');
    const f = fresh();
    const env = { ...bins.env, NO_COLOR: undefined, TERM: 'xterm' };
    const tty = await runCommandInTty(`mm-counter ${f} -n 3e9`, env);
    expect(tty).toMatch(/\rmm-counter none \[#*\.*\] +\d+% -?\d+/);
    expect(tty.trim().split('\r\n').at(-1)!.replace(/.*\x1b\[K/, '')).toBe(String(int32(f)));
    const plain = await runCommandInTty(`mm-counter ${f} -n 2e9`, { ...env, NO_COLOR: '1' });
    expect(plain).not.toMatch(/%/);
  });
});

function runCommandInTty(cmd: string, env: Record<string, string | undefined>): Promise<string> {
  return runBash(`script -qec ${JSON.stringify(cmd)} /dev/null`, { cwd: tmp.path, env }).then((r) => r.stdout.toString());
}

describe('side by side with a C program', () => {
  let cref = '';
  beforeAll(() => {
    if (!haveCommand('cc', 'the C interop test')) return;
    const dir = join(tmp.path, 'c');
    mkdirSync(dir);
    cref = join(dir, 'counter');
    const r = spawnSync('cc', ['-O2', '-o', cref, cSource], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('C __atomic_fetch_add and mm-counter --sync atomic on one file at the same time lose nothing', async (ctx) => {
    if (!cref) return skipTest(ctx, "the C interop test: 'cc' is not installed");
    for (const width of ['32', '64']) {
      const f = fresh();
      const type = width === '64' ? 'd8' : 'd4';
      // Start mm-counter, wait until it is counting, then run the C program alongside it.
      const r = await sh(
        `mm-counter ${f} --width ${width} -n 1e8 --sync atomic --json > mm.out & ` +
          `until [ "$(od -An -t ${type} ${f} 2>/dev/null | tr -d ' ')" -gt 0 ] 2>/dev/null; do :; done; ` +
          `${cref} ${f} 30000000 atomic ${width} > c.out; wait`,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(od(f, type)).toBe('130000000');
      const mm = JSON.parse(readFileSync(join(tmp.path, 'mm.out'), 'utf8')) as { start: number; end: number };
      const cLast = Number(readFileSync(join(tmp.path, 'c.out'), 'utf8'));
      console.log(`C + mm-counter, width ${width}: mm-counter went ${mm.start} -> ${mm.end} in its 1e8 adds, C's last add returned ${cLast}`);
      // The C program's adds landed while mm-counter was adding: its own adds span more than 1e8.
      expect(mm.end - mm.start).toBeGreaterThan(100_000_000);
      expect(Math.max(mm.end, cLast)).toBe(130_000_000);
    }
  });
});

describe('bad input', () => {
  it('a COUNT that is not a whole number >= 0, or too large, is a usage error (exit 2) and touches nothing', async () => {
    const f = fresh();
    for (const count of ['-1', '1.5', 'abc', '1e20', '', '10X']) {
      const r = await runBin(bin, [f, '-n', count]);
      expect(r.code, count).toBe(2);
      expect(r.stderr, count).toMatch(/^mm-counter: option '-n, --count <N>' argument '.*' is invalid\. invalid count/);
      expect(r.stderr).toMatch(/Try 'mm-counter --help' for more information\.\n$/);
      expect(r.stdout.length).toBe(0);
    }
    expect(existsSync(f)).toBe(false);
  });

  it('other usage errors exit 2: bad --sync, --width, --set value out of range, conflicting one-liners, no FILE', async () => {
    const f = fresh();
    writeFileSync(f, Buffer.from([1, 0, 0, 0]));
    const cases: [string[], RegExp][] = [
      [[f, '--sync', 'relaxed'], /argument 'relaxed' is invalid\. Allowed choices are none, atomic/],
      [[f, '--width', '16'], /Allowed choices are 32, 64/],
      [[f, '--set', '2147483648'], /^mm-counter: invalid value: 2147483648 does not fit a 32-bit counter/],
      [[f, '--add', '1.5'], /invalid addend: '1\.5'/],
      [[f, '--get', '--add', '1'], /cannot be used with option/],
      [[f, '--set', '1', '-n', '5'], /cannot be used with option/],
      [[], /missing required argument 'FILE'/],
    ];
    for (const [args, message] of cases) {
      const r = await runBin(bin, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(readFileSync(f)).toEqual(Buffer.from([1, 0, 0, 0]));
  });

  it('a directory, a FIFO, a /proc file and a missing directory: mm-counter: FILE: reason, exit 1', async () => {
    const dir = join(tmp.path, 'a-dir');
    mkdirSync(dir);
    const fifo = join(tmp.path, 'a-fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const before = readFileSync('/proc/self/comm');
    const cases: [string, string][] = [
      [dir, 'Is a directory'],
      [fifo, 'No such device'],
      ['/proc/self/comm', 'No such device'],
      [join(tmp.path, 'nope', 'c.bin'), 'No such file or directory'],
    ];
    for (const [file, reason] of cases) {
      const r = await runBin(bin, [file, '-n', '5']);
      expect(r.code, file).toBe(1);
      expect(r.stderr).toBe(`mm-counter: ${file}: ${reason}\n`);
      expect(r.stdout.length).toBe(0);
    }
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync('/proc/self/comm')).toEqual(before);
    const proc = await runBin(bin, ['/proc/version', '-n', '1']);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toMatch(/^mm-counter: \/proc\/version: [A-Z][a-z/ ]+\n$/);
  });

  it('a file the user may not read or write: exit 1 and the file untouched (run as nobody)', async (ctx) => {
    const nobody = asNobody('the permission test');
    if (!nobody) return ctx.skip();
    const dir = join(tmp.path, 'perm');
    mkdirSync(dir);
    chmodSync(tmp.path, 0o755);
    chmodSync(dir, 0o755);
    const f = join(dir, 'secret.bin');
    writeFileSync(f, Buffer.from([9, 0, 0, 0, 1]), { mode: 0o600 });
    const asNobodyRun = [...nobody, process.execPath, bin];
    for (const args of [[f, '-n', '1'], [f, '--get'], [f, '--add', '1'], [f, '--private', '-n', '1']]) {
      const r = spawnSync('setpriv', [...asNobodyRun, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`mm-counter: ${f}: Permission denied\n`);
    }
    expect(readFileSync(f)).toEqual(Buffer.from([9, 0, 0, 0, 1]));
    const created = spawnSync('setpriv', [...asNobodyRun, join(dir, 'new.bin'), '-n', '1'], { encoding: 'utf8' });
    expect(created.status).toBe(1);
    expect(created.stderr).toBe(`mm-counter: ${join(dir, 'new.bin')}: Permission denied\n`);
    expect(existsSync(join(dir, 'new.bin'))).toBe(false);
  });

  it('--help and --version print on stdout and exit 0', async () => {
    const h = await runBin(bin, ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout.toString()).toMatch(/^Usage: mm-counter \[options\] <FILE>/);
    expect(h.stdout.toString()).toContain('--sync <mode>');
    const v = await runBin(bin, ['--version']);
    expect(v.stdout.toString()).toBe('0.1.0\n');
  });
});

describe('--wait-for: a barrier for background jobs', () => {
  it('10 background `mm-counter --wait-for 10` sleep until the 10th `--add 1`, then all are released with 10', async () => {
    const dir = join(tmp.path, `barrier-${n++}`);
    mkdirSync(dir);
    const f = join(dir, 'count.bin');
    writeFileSync(f, Buffer.alloc(4));
    const script = `
      cd ${JSON.stringify(dir)}
      for i in $(seq 10); do (mm-counter count.bin --wait-for 10 > out.$i; echo $? > rc.$i) & done
      while [ ! -e go ]; do sleep 0.05; done
      for i in $(seq 9); do mm-counter count.bin --add 1 > /dev/null; done
      sleep 0.5
      echo "released before the 10th: $(ls rc.* 2>/dev/null | wc -l)"
      mm-counter count.bin --add 1 > /dev/null
      wait
      echo "exits: $(cat rc.* | sort | uniq -c | xargs)"
      echo "printed: $(cat out.* | sort | uniq -c | xargs)"`;
    const run = sh(script);
    // Every waiter asleep on the counter's futex: a wake-up with the value unchanged reaches all
    // ten (they re-check, still below 10, and sleep again).
    const m = openMapping(f, { access: 'rw' });
    let asleep = 0;
    for (let i = 0; i < 3000 && asleep < 10; i++) {
      asleep = Math.max(asleep, futexWake(m, 0));
      if (asleep < 10) await new Promise((r) => setTimeout(r, 10));
    }
    m.unmap();
    writeFileSync(join(dir, 'go'), '');
    const r = await run;
    expect(asleep).toBe(10);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('released before the 10th: 0\nexits: 10 0\nprinted: 10 10\n');
    expect(int32(f)).toBe(10);
  });

  it('with -n it counts first, then waits; a writer that never wakes is still noticed; Ctrl-C stops a wait with 130', async () => {
    const f = fresh();
    const r = await sh(`mm-counter ${f} -n 1000 --sync atomic --wait-for 1000; mm-counter ${f} --wait-for 5 --json`);
    expect(r.stdout.toString()).toBe(`1000\n{"file":"${f}","width":32,"wait_for":5,"value":1000}\n`);
    // A plain store (no wake-up) is seen by the periodic re-check.
    const waiting = sh(`mm-counter ${f} --wait-for 2000`);
    await new Promise((res) => setTimeout(res, 300));
    const b = Buffer.alloc(4);
    b.writeInt32LE(2000);
    writeFileSync(f, b);
    const w = await waiting;
    expect(w.code).toBe(0);
    expect(w.stdout.toString()).toBe('2000\n');
    // Sent once the tool waits (its futex waiter thread exists, so its SIGINT handler is on),
    // not after a guessed delay: a SIGINT before that meets Node's default and no message.
    const stopped = await sh(`mm-counter ${f} --wait-for 3000 & p=$!
      for i in $(seq 200); do grep -qx mm-futex-wait /proc/$p/task/*/comm 2>/dev/null && break; sleep 0.05; done
      kill -INT $p; wait $p; echo "exit $?"`);
    expect(stopped.stdout.toString()).toBe('exit 130\n');
    expect(stopped.stderr).toBe('mm-counter: SIGINT: stopped waiting for 3000 (the counter is at 2000)\n');
    const bad = await sh(`mm-counter ${f} --wait-for 5 --private; echo "exit $?"`);
    expect(bad.stdout.toString()).toBe('exit 2\n');
  });
});
