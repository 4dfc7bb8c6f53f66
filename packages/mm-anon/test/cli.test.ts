// End-to-end: the built `mm-anon` bin, as a user runs it.
import { spawn } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asNobody, binDir, binPath, runBash, runBin, runCommand, tempDir } from '@mm/testkit';
import { procState } from './helpers.js';

const bin = binPath('mm-anon');
const tmp = tempDir('mm-anon-cli-');
const launchers = binDir();
const poem = join(tmp.path, 'poem.txt');
const POEM = 'I just love\nsharing memories\nwith other processes\n';

beforeAll(() => {
  writeFileSync(poem, POEM);
});
afterAll(() => {
  tmp.cleanup();
  launchers.cleanup();
});

const fast = ['--delay', '0'];

/** Polls until `check` is true or `ms` pass; returns the last result. */
async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/**
 * Starts `mm-anon --verbose ARGS` in the background and resolves once it has forked, with
 * the parent's process, the child's pid (read from the narration) and a promise of the end.
 */
function startVerbose(args: string[]): Promise<{ parent: ReturnType<typeof spawn>; childPid: number; done: Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }> }> {
  const parent = spawn(process.execPath, [bin, '--verbose', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  let stdout = '';
  parent.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>((resolve) => {
    parent.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
  return new Promise((resolve, reject) => {
    parent.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /forked child (\d+)/.exec(stderr);
      if (m && /working for/.test(stderr)) resolve({ parent, childPid: Number(m[1]), done });
    });
    void done.then((r) => reject(new Error(`mm-anon ended before forking: ${r.stderr}`)));
  });
}

describe('output equals the input byte for byte', () => {
  it('prints a text file, like cat', async () => {
    const r = await runBin(bin, [...fast, poem]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toBe('');
    const cmp = await runBash(`cmp <(mm-anon --delay 0 poem.txt) <(cat poem.txt) && echo same`, { cwd: tmp.path, env: launchers.env });
    expect(cmp.stdout.toString()).toBe('same\n');
  });

  it('with the default delay, through a pipe into cmp', async () => {
    const r = await runBash(`mm-anon poem.txt | cmp - poem.txt && echo same`, { cwd: tmp.path, env: launchers.env });
    expect(r.stdout.toString()).toBe('same\n');
    expect(r.code).toBe(0);
  });

  it('binary data with NULs, including leading and trailing ones', async () => {
    const data = Buffer.concat([Buffer.alloc(777), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 131 + (i >> 8)) & 0xff)), Buffer.alloc(4097)]);
    const f = join(tmp.path, 'binary.bin');
    writeFileSync(f, data);
    const r = await runBin(bin, [...fast, f]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('a file of nothing but NUL bytes prints exactly that many bytes (the length travels in the header)', async () => {
    const f = join(tmp.path, 'zeros.bin');
    writeFileSync(f, Buffer.alloc(12_345));
    const r = await runBin(bin, [...fast, f]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.alloc(12_345))).toBe(true);
  });

  it('an empty file and empty stdin print nothing and exit 0', async () => {
    const f = join(tmp.path, 'empty');
    writeFileSync(f, '');
    for (const args of [[f], [], ['-']]) {
      const r = await runBin(bin, [...fast, ...args], { input: '' });
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toBe('');
    }
  });

  it('reads standard input (none or -), pipes and files alike', async () => {
    const input = Buffer.concat([Buffer.from(POEM), Buffer.alloc(3), Buffer.from([0xff, 0xfe])]);
    for (const args of [[], ['-']]) {
      const r = await runBin(bin, [...fast, ...args], { input });
      expect(r.code).toBe(0);
      expect(r.stdout.equals(input)).toBe(true);
    }
    const redirected = await runBash(`mm-anon --delay 0 < poem.txt | cmp - poem.txt && mm-anon --delay 0 <(cat poem.txt) | cmp - poem.txt && echo same`, { cwd: tmp.path, env: launchers.env });
    expect(redirected.stdout.toString()).toBe('same\n');
  });

  it('100 MiB from a file and from a pipe (the default 512 KiB ring wraps some 200 times)', async () => {
    const r = await runBash(
      `set -e; head -c 100M /dev/urandom > big.bin
       mm-anon --delay 0 big.bin | cmp - big.bin
       cat big.bin | mm-anon --delay 0 | cmp - big.bin
       mm-anon --delay 0 big.bin | sha256sum; sha256sum < big.bin; rm -f big.bin`,
      { cwd: tmp.path, env: launchers.env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [ours, theirs] = r.stdout.toString().trim().split('\n');
    expect(ours).toMatch(/^[0-9a-f]{64}/);
    expect(ours).toBe(theirs);
  });

  it('a /proc file that reports size 0 still prints its contents', async () => {
    const r = await runBin(bin, [...fast, '/proc/self/status']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^Name:\s+\S+/);
    expect(r.stdout.toString()).toMatch(/\nVmRSS:/);
  });
});

describe('the ring: chunk boundaries, hand-offs', () => {
  // A 3-slot ring of 1000 bytes (hidden options for tests): 3000 bytes before it wraps.
  const small = ['--slot-size', '1000', '--slots', '3'];
  const bytesOf = (len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (i * 31 + (i >> 10)) & 0xff));

  for (const len of [0, 1, 2999, 3000, 3001]) {
    it(`${len} bytes (ring of 3000${len === 2999 ? ' - 1' : len === 3001 ? ' + 1' : ''}) from a file and from a pipe, byte for byte`, async () => {
      const data = bytesOf(len);
      const f = join(tmp.path, `ring-${len}.bin`);
      writeFileSync(f, data);
      const fromFile = await runBin(bin, [...fast, ...small, f]);
      expect(fromFile.code).toBe(0);
      expect(fromFile.stderr).toBe('');
      expect(fromFile.stdout.equals(data)).toBe(true);
      const fromPipe = await runBin(bin, [...fast, ...small], { input: data });
      expect(fromPipe.code).toBe(0);
      expect(fromPipe.stdout.equals(data)).toBe(true);
    });
  }

  it('--verbose narrates the first hand-off, then counts the chunks handed over through the ring', async () => {
    const f = join(tmp.path, 'ring-10k.bin');
    writeFileSync(f, bytesOf(10_500));
    const r = await runBin(bin, ['--verbose', ...fast, ...small, f]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(bytesOf(10_500))).toBe(true);
    const childPid = Number(/forked child (\d+)/.exec(r.stderr)![1]);
    expect(r.stderr).toContain(`mapped ${4096 + 3000} bytes of anonymous MAP_SHARED memory`);
    expect(r.stderr).toContain(`wrote 1000 bytes of ${f} into slot 0 of the ring (the first chunk), then published it`);
    expect(r.stderr).toContain(`sent SIGUSR1 to child ${childPid} for the first chunk`);
    expect(r.stderr).toContain('handed over 10 more chunks (9500 bytes) through the ring after the first: 11 chunks, 10500 bytes in all, then the end of the data');
    expect(r.stderr).toContain(`reaped child ${childPid}: exit status 0; it found 10500 bytes`);
  });

  it('one signal wakes the child; the later 49 chunks need none (a second USR2 would kill it)', async () => {
    // Wake with USR2: a second USR2 would be waited for by nobody and kill the child
    // (default action), so a child that got one signal per chunk could not finish.
    const data = Buffer.from('0123456789'.repeat(5000));
    const f = join(tmp.path, 'ring-50k.txt');
    writeFileSync(f, data);
    const run = await startVerbose(['--signal', 'USR2', '--delay', '100', ...small, f]);
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(data.toString());
    expect(r.stderr).toContain('handed over 49 more chunks (49000 bytes) through the ring');
  });
});

describe('--private', () => {
  it('prints nothing, exits 0 and says the child saw 0 bytes of those written, and why', async () => {
    const r = await runBin(bin, ['--private', '--delay', '50', poem]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^mm-anon: --private: the child saw 0 bytes of the 50 written \(MAP_PRIVATE .*copy-on-write snapshot.*taken at the fork, before the parent wrote/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the same input without --private does reach the child', async () => {
    const r = await runBin(bin, ['--delay', '50', poem]);
    expect(r.stdout.toString()).toBe(POEM);
  });
});

describe('--signal and --verbose', () => {
  it('--signal USR2 wakes the child; the narration names it, with the real pids', async () => {
    const run = await startVerbose(['--signal', 'USR2', '--delay', '200', poem]);
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(POEM);
    const lines = r.stderr.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^mm-anon: \[\+\d+\.\d{3}s\] (parent|child) \d+: /);
    const parentPid = run.parent.pid!;
    expect(r.stderr).toContain(`parent ${parentPid}: mapped ${4096 + 4 * 131072} bytes of anonymous MAP_SHARED memory`);
    expect(r.stderr).toContain(`forked child ${run.childPid}; it blocked SIGUSR2 before the fork and now waits for it in sigwait`);
    expect(r.stderr).toContain('working for 200 ms');
    expect(r.stderr).toMatch(new RegExp(`child ${run.childPid}: /proc/${run.childPid} says: state S \\(sleeping\\)`));
    expect(r.stderr).toContain('wrote 50 bytes of');
    expect(r.stderr).toContain(`sent SIGUSR2 to child ${run.childPid}`);
    expect(r.stderr).toContain(`reaped child ${run.childPid}: exit status 0; it found 50 bytes`);
    // Times only go forward.
    const times = lines.map((l) => Number(/\[\+(\d+\.\d+)s\]/.exec(l)![1]));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('the child waits for its signal only: another signal kills it, and the parent says which (exit 128+N)', async () => {
    const run = await startVerbose(['--signal', 'USR2', '--delay', '10000', poem]);
    process.kill(run.childPid, 'SIGUSR1');
    const r = await run.done;
    expect(r.code).toBe(128 + 10);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`mm-anon: child ${run.childPid} was killed by SIGUSR1`);
    expect(procState(run.childPid)).toBeNull();
  });

  it('the wake signal sent early wakes the child before the data is there: it finds nothing', async () => {
    const run = await startVerbose(['--delay', '10000', poem]);
    process.kill(run.childPid, 'SIGUSR1');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`mm-anon: child ${run.childPid} ended before the parent wrote anything`);
    expect(r.stderr).toContain('it found 0 bytes');
  });

  it('rejects signals that cannot be waited for, and unknown ones, as usage errors', async () => {
    for (const [sig, text] of [['KILL', 'SIGKILL cannot be blocked'], ['SIGSTOP', 'SIGSTOP cannot be blocked'], ['NOPE', 'unknown signal: NOPE']]) {
      const r = await runBin(bin, ['--signal', sig, poem]);
      expect(r.code).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toContain(`mm-anon: invalid --signal: ${text}`);
    }
  });
});

describe('lifecycle', () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    it(`${sig} to the parent mid --delay: the child is killed and reaped, exit ${code}`, async () => {
      const run = await startVerbose(['--delay', '20000', poem]);
      // Asleep in sigwait (it may need a moment to get there after the fork).
      expect(await eventually(() => procState(run.childPid) === 'S')).toBe(true);
      run.parent.kill(sig);
      const r = await run.done;
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`got ${sig}: killing child ${run.childPid}`);
      expect(r.stderr).toContain(`reaped child ${run.childPid}: killed by SIGKILL`);
      // Reaped by its own parent: not even a zombie is left.
      expect(procState(run.childPid)).toBeNull();
    });
  }

  it('SIGKILL to the parent: the child dies with it (PR_SET_PDEATHSIG)', async () => {
    const run = await startVerbose(['--delay', '20000', poem]);
    expect(await eventually(() => procState(run.childPid) === 'S')).toBe(true);
    run.parent.kill('SIGKILL');
    await run.done;
    // Orphans are reaped by init; where init does not reap, a dead child shows as Z.
    const dead = await eventually(() => {
      const s = procState(run.childPid);
      return s === null || s === 'Z';
    });
    expect(dead).toBe(true);
  });

  it('a normal run leaves no zombie: the child pid is gone when the parent exits', async () => {
    const r = await runBin(bin, ['--verbose', '--delay', '0', poem]);
    expect(r.code).toBe(0);
    const childPid = Number(/forked child (\d+)/.exec(r.stderr)![1]);
    expect(r.stderr).toContain(`reaped child ${childPid}: exit status 0`);
    expect(procState(childPid)).toBeNull();
  });

  it('no defunct child while the parent waits (ps --ppid)', async () => {
    const r = await runBash(
      `mm-anon --delay 3000 poem.txt > out.txt & p=$!
       until ps -o stat= --ppid $p | grep -q S; do sleep 0.05; done
       ps -o stat=,comm= --ppid $p; echo "--"; wait $p; echo "exit $?"; cmp out.txt poem.txt && echo same`,
      { cwd: tmp.path, env: launchers.env },
    );
    const [during, after] = r.stdout.toString().split('--\n');
    // One child, sleeping in sigwait, not <defunct>.
    expect(during.trim()).toMatch(/^S\S*\s+mm-anon$/);
    expect(after).toBe('exit 0\nsame\n');
  });

  it('a reader that leaves early (head) ends it quietly with 141', async () => {
    // 8 MiB: more than the pipe holds even once the child grows it to 1 MiB.
    const r = await runBash(`head -c 8M /dev/zero > z.bin; mm-anon --delay 0 z.bin | head -c 5 | wc -c; echo "status \${PIPESTATUS[0]}"`, { cwd: tmp.path, env: launchers.env });
    expect(r.stdout.toString()).toBe('5\nstatus 141\n');
    expect(r.stderr).toBe('');
  });
});

describe('bad input fails before any fork, exit 1', () => {
  it('a missing file', async () => {
    const r = await runBin(bin, ['--verbose', join(tmp.path, 'nope')]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(`mm-anon: ${join(tmp.path, 'nope')}: No such file or directory\n`);
  });

  it('a directory', async () => {
    const r = await runBin(bin, ['--verbose', tmp.path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-anon: ${tmp.path}: Is a directory\n`);
  });

  it('a file that cannot be read (/proc/self/mem at offset 0)', async () => {
    const r = await runBin(bin, ['--verbose', '/proc/self/mem']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mm-anon: /proc/self/mem: Input/output error\n');
  });

  it('a file without read permission, for an unprivileged user', async (ctx) => {
    const nobody = asNobody('the permission test');
    if (!nobody) return ctx.skip();
    const f = join(tmp.path, 'secret');
    writeFileSync(f, 'secret\n');
    chmodSync(f, 0o600);
    chmodSync(tmp.path, 0o755);
    const r = await runCommand('setpriv', [...nobody, process.execPath, bin, '--verbose', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-anon: ${f}: Permission denied\n`);
  });

  it('bad options are usage errors (exit 2)', async () => {
    for (const args of [['--delay', 'soon', poem], ['--delay', '-1', poem], ['--bogus', poem], [poem, poem]]) {
      const r = await runBin(bin, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^mm-anon: /);
    }
  });

  it('--help and --version print to stdout and exit 0', async () => {
    const h = await runBin(bin, ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout.toString()).toContain('Usage: mm-anon [options] [FILE]');
    expect(h.stdout.toString()).toContain('--private');
    const v = await runBin(bin, ['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

it('keeps no temp files behind (the report file is unlinked as soon as it is made)', async () => {
  // A TMPDIR of its own, looked at while mm-anon runs: the report file is open (its
  // descriptor names it, deleted), yet the directory is already empty, and stays so.
  const dir = tempDir('mm-anon-tmpdir-');
  try {
    const r = await runBash(
      `mm-anon --delay 1000 poem.txt > out.txt & p=$!
       for i in $(seq 250); do ls -l /proc/$p/fd 2>/dev/null | grep -q mm-anon-report && break; sleep 0.02; done
       ls -l /proc/$p/fd | grep -o "$TMPDIR/\\.mm-anon-report-[^ ]* (deleted)" | sed -E 's|.*/(\\.mm-anon-report)-[0-9a-z-]+ |\\1 |'
       ls -A "$TMPDIR"; echo --; wait $p; echo "exit $?"; ls -A "$TMPDIR"; cmp out.txt poem.txt && echo same`,
      { cwd: tmp.path, env: { ...launchers.env, TMPDIR: dir.path } },
    );
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe('.mm-anon-report (deleted)\n--\nexit 0\nsame\n');
  } finally {
    dir.cleanup();
  }
});
