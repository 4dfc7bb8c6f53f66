// End-to-end: the built mm-tug bin playing real games between real processes over /dev/shm.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, binPath, runBash, runBin, shmObjects, skipWithout, tempDir, uniqueShmName } from '@mm/testkit';
import type { GameResult } from '../src/display.js';
import { futexWake, openShmMapping } from '@mm/core';
import { GameView, LAYOUT_SIZE, OFFSET, Status } from '../src/layout.js';

const bin = binPath('mm-tug');
const bins = binDir();
const work = tempDir('mm-tug-test-');
const PREFIX = 'mmtug';
const names: string[] = [];

/** A fresh game name; every one is checked to be gone from /dev/shm after its test. */
function gameName(): string {
  const n = uniqueShmName(PREFIX);
  names.push(n);
  return n;
}

afterEach(() => {
  const left = names.filter((n) => existsSync(`/dev/shm/${n}`));
  for (const n of left) rmSync(`/dev/shm/${n}`, { force: true });
  names.length = 0;
  expect(left, 'objects left behind in /dev/shm').toEqual([]);
});

afterAll(() => {
  bins.cleanup();
  work.cleanup();
});

/** What `--json` prints: the library's own result type. */
type Result = GameResult;

/** Parses `result key=value …` (the arbiter's last plain line). */
function parseResultLine(text: string): Record<string, string> {
  const line = text.trim().split('\n').pop() ?? '';
  expect(line.startsWith('result ')).toBe(true);
  return Object.fromEntries(line.slice('result '.length).split(' ').map((kv) => kv.split('=') as [string, string]));
}

/** Bash that waits (up to ~10 s) until FILE holds a line matching RE. */
const waitFor = (file: string, re: string): string =>
  `for i in $(seq 200); do grep -q '${re}' ${file} 2>/dev/null && break; sleep 0.05; done; grep -q '${re}' ${file} || { echo "never saw ${re} in ${file}" >&2; exit 99; }`;

/** Bash that waits (up to ~10 s) until both players' status words (0x84, 0xc4) say pulling (2). */
const waitPulling = (name: string): string =>
  `for i in $(seq 200); do s=$(od -An -t d4 -j 132 -N 4 /dev/shm/${name} 2>/dev/null)$(od -An -t d4 -j 196 -N 4 /dev/shm/${name} 2>/dev/null); [ "$(echo $s)" = "2 2" ] && break; sleep 0.05; done`;

describe('demo', () => {
  it('--sync atomic --json: a winner, the rope exactly at right - left, no pulls lost', async () => {
    const name = gameName();
    const limit = 1_000_000;
    const r = await runBin(bin, ['demo', '--sync', 'atomic', '--json', '--name', name, '--limit', String(limit)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines).toHaveLength(1);
    const res = JSON.parse(lines[0]) as Result;
    expect(res.sync).toBe('atomic');
    expect(res.reason).toBe('limit');
    expect(res.limit).toBe(limit);
    expect(Math.abs(res.calledAt)).toBeGreaterThanOrEqual(limit);
    expect(res.winner).toBe(res.calledAt > 0 ? 'right' : 'left');
    expect(res.leftPulls).toBeGreaterThan(0);
    expect(res.rightPulls).toBeGreaterThan(0);
    expect(res.expected).toBe(res.rightPulls - res.leftPulls);
    expect(res.position).toBe(res.rightPulls - res.leftPulls);
    expect(res.lost).toBe(0);
    // Both players were real, different processes.
    expect(res.leftPid).toBeGreaterThan(0);
    expect(res.rightPid).toBeGreaterThan(0);
    expect(res.leftPid).not.toBe(res.rightPid);
    expect(shmObjects(name)).toEqual([]);
  });

  it('--sync none --json: the arithmetic adds up (lost = (right - left) - position)', async () => {
    const name = gameName();
    const limit = 2_000_000;
    const r = await runBin(bin, ['demo', '--json', '--name', name, '--limit', '2M']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout.toString()) as Result;
    expect(res.sync).toBe('none');
    expect(res.reason).toBe('limit');
    expect(Math.abs(res.calledAt)).toBeGreaterThanOrEqual(limit);
    expect(res.winner).toBe(res.calledAt > 0 ? 'right' : 'left');
    expect(Number.isSafeInteger(res.leftPulls) && Number.isSafeInteger(res.rightPulls) && Number.isSafeInteger(res.position)).toBe(true);
    expect(res.expected).toBe(res.rightPulls - res.leftPulls);
    expect(res.lost).toBe(res.expected - res.position);
    expect(shmObjects(name)).toEqual([]);
  });

  it('piped: plain key=value update lines and a final result line, no escape codes even without NO_COLOR', async () => {
    const name = gameName();
    const r = await runBin(bin, ['demo', '--sync', 'atomic', '--name', name, '--limit', '1M', '--interval', '10'], { env: { NO_COLOR: undefined } });
    expect(r.code).toBe(0);
    const out = r.stdout.toString();
    expect(out).not.toMatch(/[\x1b\r]/);
    const lines = out.trim().split('\n');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^time=\d+\.\d{3} position=-?\d+ left=\d+ right=\d+ pulls\/s=\d+$/);
    const res = parseResultLine(out);
    expect(res.reason).toBe('limit');
    expect(res.sync).toBe('atomic');
    expect(Number(res.lost)).toBe(0);
    expect(Number(res['right-left'])).toBe(Number(res.right) - Number(res.left));
    expect(Number(res.position)).toBe(Number(res['right-left']));
  });

  it('on a terminal: the rope is redrawn in place, then the result', async (ctx) => {
    skipWithout(ctx, 'script', 'the TTY display test');
    const name = gameName();
    const cmd = `${process.execPath} ${bin} demo --sync atomic --name ${name} --limit 1M --interval 10`;
    const r = await runBash(`script -qec '${cmd}' /dev/null`, { env: { TERM: 'xterm' } });
    expect(r.code).toBe(0);
    const out = r.stdout.toString();
    expect(out).toMatch(/\rLEFT \[[-|O]+\] RIGHT {2}position +[-+]?\d+/);
    expect(out).toContain('\x1b[K');
    expect(out).toMatch(/(LEFT|RIGHT) wins at position [-+]\d+/);
    expect(out).toMatch(/lost +0\r?\n/);
    expect(out).not.toMatch(/^time=/m);
  });
});

describe('arbiter and players as separate processes', () => {
  it('mm-tug arbiter, then mm-tug left & mm-tug right & from bash: counts agree, winner called, object gone', async () => {
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --sync atomic --limit 1M --interval 20 > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      wait $A; echo "arbiter=$?"; wait $L; echo "left=$?"; wait $R; echo "right=$?"`;
    const r = await runBash(script, { env: bins.env });
    expect(r.stdout.toString()).toBe('arbiter=0\nleft=0\nright=0\n');
    const res = parseResultLine(readFileSync(join(d, 'arb.out'), 'utf8'));
    expect(readFileSync(join(d, 'arb.err'), 'utf8')).toMatch(/^mm-tug: waiting for players on \S+ \(--sync atomic, limit 1000000\)/);
    const left = readFileSync(join(d, 'left.out'), 'utf8');
    const right = readFileSync(join(d, 'right.out'), 'utf8');
    expect(left).toMatch(/^left pulls=\d+ outcome=(won|lost)\n$/);
    expect(right).toMatch(/^right pulls=\d+ outcome=(won|lost)\n$/);
    // What each player says it pulled is what the arbiter reports for it.
    expect(left).toContain(`pulls=${res.left} `);
    expect(right).toContain(`pulls=${res.right} `);
    expect(left).toContain(res.winner === 'left' ? 'outcome=won' : 'outcome=lost');
    expect(right).toContain(res.winner === 'right' ? 'outcome=won' : 'outcome=lost');
    expect(Number(res.position)).toBe(Number(res.right) - Number(res.left));
    expect(res.lost).toBe('0');
  });

  it('a player killed with kill -9 mid-game: the arbiter names the side, the other player exits, nothing left in /dev/shm', async () => {
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --sync atomic --limit 2000M --interval 20 > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      ${waitFor(`${d}/arb.out`, '^time=')}
      kill -9 $L; echo "killed=$L"
      wait $A; echo "arbiter=$?"; wait $R; echo "right=$?"`;
    const r = await runBash(script, { env: bins.env });
    const lines = r.stdout.toString().trim().split('\n');
    const pid = lines[0].replace('killed=', '');
    expect(lines.slice(1)).toEqual(['arbiter=1', 'right=1']);
    expect(readFileSync(join(d, 'arb.err'), 'utf8')).toContain(`mm-tug: ${name}: the left player (pid ${pid}) died\n`);
    const out = readFileSync(join(d, 'arb.out'), 'utf8').trim().split('\n');
    // Piped, the arbiter wrote plain update lines while the game ran, then the result line.
    expect(out.length).toBeGreaterThan(1);
    for (const line of out.slice(0, -1)) expect(line).toMatch(/^time=\d+\.\d{3} position=-?\d+ left=\d+ right=\d+ pulls\/s=\d+$/);
    const res = parseResultLine(out.join('\n'));
    expect(res.winner).toBe('none');
    expect(res.reason).toBe('left-gone');
    expect(readFileSync(join(d, 'right.err'), 'utf8')).toBe(`mm-tug: ${name}: game over: the left player left\n`);
    expect(readFileSync(join(d, 'right.out'), 'utf8')).toMatch(/^right pulls=[1-9]\d* outcome=opponent-left\n$/);
    expect(shmObjects(name)).toEqual([]);
  });

  it('truncate -s 0 of the object mid-game: arbiter and both players end with one line and exit 1, object unlinked', async () => {
    // Without core's fault handler all three die of SIGBUS (status 135) and the object stays.
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --sync atomic --limit 2000M --interval 20 > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      ${waitFor(`${d}/arb.out`, '^time=')}
      truncate -s 0 /dev/shm/${name}
      wait $A; echo "arbiter=$?"; wait $L; echo "left=$?"; wait $R; echo "right=$?"`;
    const r = await runBash(script, { env: bins.env });
    expect(r.stdout.toString()).toBe('arbiter=1\nleft=1\nright=1\n');
    const message = `mm-tug: ${name}: object shrank to 0 bytes while the game was on\n`;
    expect(readFileSync(join(d, 'arb.err'), 'utf8').split('\n').slice(1).join('\n')).toBe(message);
    expect(readFileSync(join(d, 'left.err'), 'utf8')).toBe(message);
    expect(readFileSync(join(d, 'right.err'), 'utf8')).toBe(message);
    expect(readFileSync(join(d, 'left.out'), 'utf8')).toBe('');
    expect(shmObjects(name)).toEqual([]);
  });

  it('Ctrl-C (SIGINT) on the arbiter: game ends, players exit, object unlinked, exit 130', async () => {
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --limit 2000M --sync atomic --interval 20 --json > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      # --json shows no updates: wait until both players pull (their status words).
      ${waitPulling(name)}
      kill -INT $A
      wait $A; echo "arbiter=$?"; wait $L; echo "left=$?"; wait $R; echo "right=$?"`;
    const r = await runBash(script, { env: bins.env });
    expect(r.stdout.toString()).toBe('arbiter=130\nleft=1\nright=1\n');
    expect(readFileSync(join(d, 'arb.err'), 'utf8')).toContain(`mm-tug: ${name}: game interrupted by SIGINT\n`);
    const res = JSON.parse(readFileSync(join(d, 'arb.out'), 'utf8')) as Result;
    expect(res.reason).toBe('interrupted');
    expect(res.winner).toBeNull();
    expect(res.leftPulls).toBeGreaterThan(0);
    expect(res.rightPulls).toBeGreaterThan(0);
    expect(res.lost).toBe(0);
    for (const side of ['left', 'right']) {
      expect(readFileSync(join(d, `${side}.err`), 'utf8')).toBe(`mm-tug: ${name}: the arbiter ended the game\n`);
      expect(readFileSync(join(d, `${side}.out`), 'utf8')).toMatch(new RegExp(`^${side} pulls=\\d+ outcome=interrupted\\n$`));
    }
    expect(shmObjects(name)).toEqual([]);
  });

  it('Ctrl-C on a player mid-game: it reports its count and exits 130, the arbiter names the side', async () => {
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --limit 2000M --sync atomic --json > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      ${waitPulling(name)}
      kill -INT $R
      wait $R; echo "right=$?"; wait $A; echo "arbiter=$?"; wait $L; echo "left=$?"; echo "pid=$R"`;
    const r = await runBash(script, { env: bins.env });
    const lines = r.stdout.toString().trim().split('\n');
    const pid = lines.pop()!.replace('pid=', '');
    expect(lines).toEqual(['right=130', 'arbiter=1', 'left=1']);
    const right = readFileSync(join(d, 'right.out'), 'utf8');
    expect(right).toMatch(/^right pulls=[1-9]\d* outcome=quit\n$/);
    const res = JSON.parse(readFileSync(join(d, 'arb.out'), 'utf8')) as Result;
    expect(res.reason).toBe('right-gone');
    expect(right).toContain(`pulls=${res.rightPulls} `);
    expect(res.lost).toBe(0);
    expect(readFileSync(join(d, 'arb.err'), 'utf8')).toContain(`mm-tug: ${name}: the right player (pid ${pid}) quit\n`);
    expect(readFileSync(join(d, 'left.err'), 'utf8')).toBe(`mm-tug: ${name}: game over: the right player left\n`);
    expect(shmObjects(name)).toEqual([]);
  });

  it('the reader of the display goes away (| head): exit 141, players stopped, object removed', async () => {
    const name = gameName();
    const r = await runBash(`mm-tug demo --name ${name} --limit 2000M --sync atomic --interval 10 | head -2; echo "status=\${PIPESTATUS[0]}"`, { env: bins.env });
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^time=/);
    expect(lines[2]).toBe('status=141');
    // The players (still writing to this stderr) each saw the game end rather than spin on.
    expect(r.stderr).toBe(`mm-tug: ${name}: the arbiter ended the game\n`.repeat(2));
    expect(shmObjects(name)).toEqual([]);
  });

  it('a player with no arbiter times out with a clear message, exit 1', async () => {
    const name = gameName();
    const r = await runBin(bin, ['right', '--name', name, '--timeout', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toBe(`mm-tug: ${name}: no arbiter after 0.5 s (start 'mm-tug arbiter --name ${name}' first)\n`);
    expect(shmObjects(name)).toEqual([]);
  });

  it('the layout is what docs/mm-tug.md draws, and a third player on a taken side is refused', async () => {
    const name = gameName();
    const d = work.path;
    const file = `/dev/shm/${name}`;
    const script = `
      mm-tug arbiter --name ${name} --sync atomic --limit 1M --json > ${d}/arb.out 2> ${d}/arb.err & A=$!
      mm-tug left --name ${name} > ${d}/left.out 2>${d}/left.err & L=$!
      for i in $(seq 200); do [ "$(od -An -t d4 -j 128 -N 4 ${file} 2>/dev/null | tr -d ' ')" = "$L" ] && break; sleep 0.05; done
      cp ${file} ${d}/waiting.bin
      mm-tug left --name ${name} > ${d}/third.out 2> ${d}/third.err; echo "third=$?"
      mm-tug right --name ${name} > ${d}/right.out 2>${d}/right.err & R=$!
      wait $A; echo "arbiter=$?"; wait $L; echo "left=$?"; wait $R; echo "right=$?"
      echo "pids=$A $L"`;
    const r = await runBash(script, { env: bins.env });
    const lines = r.stdout.toString().trim().split('\n');
    const [arbiterPid, leftPid] = lines.pop()!.replace('pids=', '').split(' ').map(Number);
    expect(lines).toEqual(['third=1', 'arbiter=0', 'left=0', 'right=0']);
    expect(readFileSync(join(d, 'third.err'), 'utf8')).toBe(`mm-tug: ${name}: the left side is already taken (pid ${leftPid})\n`);
    expect(readFileSync(join(d, 'third.out'), 'utf8')).toBe('');
    // The game the first left player played went on to the end.
    const res = JSON.parse(readFileSync(join(d, 'arb.out'), 'utf8')) as Result;
    expect(res.leftPid).toBe(leftPid);
    expect(res.reason).toBe('limit');
    expect(res.lost).toBe(0);

    // The object as a waiting left player saw it.
    const b = readFileSync(join(d, 'waiting.bin'));
    expect(b.length).toBe(256);
    expect(b.toString('latin1', 0, 4)).toBe('TUG1');
    expect(b.readInt32LE(4)).toBe(1); // version
    expect(b.readInt32LE(8)).toBe(0); // state: waiting
    expect(b.readInt32LE(12)).toBe(0); // stop
    expect(b.readInt32LE(16)).toBe(1); // sync: atomic
    expect(b.readInt32LE(20)).toBe(1_000_000); // limit
    expect(b.readInt32LE(28)).toBe(arbiterPid);
    expect(Number(b.readBigInt64LE(32))).toBeGreaterThan(1.5e12); // arbiter heartbeat, ms since 1970
    expect(b.readInt32LE(64)).toBe(0); // position
    expect(b.readInt32LE(128)).toBe(leftPid);
    expect(b.readInt32LE(132)).toBe(1); // left status: joined
    expect(Number(b.readBigInt64LE(144))).toBeGreaterThan(1.5e12); // left heartbeat
    expect(b.readInt32LE(192)).toBe(0); // right side free
  });

  it('an object left behind by a crashed game is reported with the mm-shm rm hint', async () => {
    const name = gameName();
    writeFileSync(`/dev/shm/${name}`, Buffer.alloc(256));
    const r = await runBin(bin, ['arbiter', '--name', name, '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-tug: ${name}: File exists (a game is on, or a crashed one left it behind; remove it with 'mm-shm rm ${name}')\n`);
    // It is not ours to remove: still there, untouched.
    expect(readFileSync(`/dev/shm/${name}`)).toEqual(Buffer.alloc(256));
    rmSync(`/dev/shm/${name}`);
  });

  it('a player refuses an object that is not a game', async () => {
    const name = gameName();
    writeFileSync(`/dev/shm/${name}`, Buffer.alloc(256, 'x'));
    const r = await runBin(bin, ['left', '--name', name, '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-tug: ${name}: not an mm-tug game (no 'TUG1' magic)\n`);
    expect(readFileSync(`/dev/shm/${name}`)).toEqual(Buffer.alloc(256, 'x'));
    rmSync(`/dev/shm/${name}`);
  });

  it('a player started with another --sync than the arbiter is refused', async () => {
    const name = gameName();
    const d = work.path;
    const script = `
      mm-tug arbiter --name ${name} --sync atomic --json > ${d}/arb.out 2>/dev/null & A=$!
      for i in $(seq 200); do [ -e /dev/shm/${name} ] && break; sleep 0.05; done
      mm-tug left --name ${name} --sync none; echo "left=$?"
      kill -INT $A; wait $A; echo "arbiter=$?"`;
    const r = await runBash(script, { env: bins.env });
    expect(r.stdout.toString()).toBe('left=1\narbiter=130\n');
    expect(r.stderr).toBe(`mm-tug: ${name}: the arbiter plays --sync atomic; this player was started with --sync none\n`);
    const res = JSON.parse(readFileSync(join(d, 'arb.out'), 'utf8')) as Result;
    expect(res.reason).toBe('interrupted');
    expect(res.leftPid).toBe(0); // the refused player never took the side
  });
});

describe('usage', () => {
  it.each([
    [['arbiter', '--limit', '0'], /invalid limit/],
    [['arbiter', '--limit', '3G'], /invalid limit: '3G' \(must be 1\.\.2147483646/],
    [['demo', '--limit', 'lots'], /limit/],
    [['demo', '--sync', 'maybe'], /argument 'maybe' is invalid/],
    [['left', '--timeout', '-1'], /invalid timeout/],
    [['right', '--name', 'a/b'], /only a leading '\/' is allowed/],
    [['arbiter', '--interval', '0'], /invalid interval/],
    [['middle'], /unknown command 'middle'/],
  ])('mm-tug %j is a usage error (exit 2)', async (args, message) => {
    const r = await runBin(bin, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mm-tug: /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout.toString()).toBe('');
  });

  it('--help lists the subcommands on stdout, exit 0', async () => {
    const r = await runBin(bin, ['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['arbiter', 'left', 'right', 'demo']) expect(r.stdout.toString()).toContain(cmd);
  });
});

describe('waiting on futexes', () => {
  it('a player waiting for its opponent sleeps on the state word (a wake-up reaches it), then plays when the opponent comes', async () => {
    const name = gameName();
    const arbiter = runBin(bin, ['arbiter', '--name', name, '--limit', '1M', '--sync', 'atomic', '--json', '--timeout', '30']);
    const left = runBin(bin, ['left', '--name', name, '--timeout', '30']);
    // Poll until the left player has joined and sleeps on the state word's futex: a wake-up
    // with the word unchanged reaches it (it re-checks, still waiting, and sleeps again).
    let asleep = 0;
    for (let i = 0; i < 2000 && asleep === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      let m;
      try {
        m = openShmMapping(name);
      } catch {
        continue; // the arbiter has not created it yet
      }
      try {
        if (m.length >= LAYOUT_SIZE && new GameView(m.buffer).status('left') === Status.joined) asleep = futexWake(m, OFFSET.state);
      } finally {
        m.unmap();
      }
    }
    expect(asleep).toBe(1);
    const right = await runBin(bin, ['right', '--name', name, '--timeout', '30']);
    expect(right.code).toBe(0);
    const l = await left;
    expect(l.code).toBe(0);
    const a = await arbiter;
    expect(a.code).toBe(0);
    const res = JSON.parse(a.stdout.toString()) as Result;
    expect(res.reason).toBe('limit');
    expect(res.lost).toBe(0);
  });
});
