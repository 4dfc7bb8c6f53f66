// mm-maps --who with real processes: it names the same pids as fuser and lsof for a file, a
// deleted file and an shm object mapped by several processes (also once unlinked), with the
// mapped and resident bytes the kernel's smaps gives; as nobody it shows what /proc allows.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shmUnlink } from '@mm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asNobody, binPath, haveCommand, runBin, tempDir, uniqueShmName } from '@mm/testkit';
import { mapper } from './helpers.js';

const bin = binPath('mm-maps');
let tmp: ReturnType<typeof tempDir>;
const children: ChildProcess[] = [];
const shmName = uniqueShmName('mmwho');

beforeAll(() => {
  tmp = tempDir('mm-maps-who-');
  chmodSync(tmp.path, 0o755); // so nobody may open files in it
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp?.cleanup();
  rmSync(`/dev/shm/${shmName}`, { force: true });
});

async function keep(child: Promise<ChildProcess> | ChildProcess): Promise<number> {
  const c = await child;
  children.push(c);
  return c.pid!;
}

/** A `sleep` (as `prefix` says, e.g. as nobody) whose descriptor 0 reads, or 1 appends to, `path`. */
async function opener(path: string, fd: 0 | 1, prefix: string[] = []): Promise<number> {
  const f = openSync(path, fd === 0 ? 'r' : 'a');
  const argv = [...prefix, 'sleep', '300'];
  const child = spawn(argv[0], argv.slice(1), { stdio: fd === 0 ? [f, 'ignore', 'ignore'] : ['ignore', f, 'ignore'] });
  await new Promise<void>((resolve) => child.once('spawn', resolve));
  closeSync(f);
  // Wait until the exec is done (setpriv execs sleep) so /proc shows the final process.
  for (let i = 0; i < 100 && readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 20));
  return keep(child);
}

interface WhoRecord {
  pid: number;
  command: string;
  target: string;
  mapped: number;
  resident: number | null;
  deleted: boolean;
  how: string;
  mappings: { start: string; size: number; perms: string; resident: number | null; deleted: boolean }[];
  fds: { fd: number; access: string; deleted: boolean }[];
}

async function whoJson(target: string, env?: Record<string, string>): Promise<{ records: WhoRecord[]; stderr: string; code: number | null }> {
  const r = await runBin(bin, ['--who', target, '--json'], { env });
  return { records: r.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as WhoRecord), stderr: r.stderr, code: r.code };
}

const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** PIDs fuser prints for a name (it writes the pids to stdout, the access letters to stderr). */
function fuserPids(name: string): number[] {
  const r = spawnSync('fuser', [name], { encoding: 'utf8' });
  return sorted((r.stdout.match(/\d+/g) ?? []).map(Number));
}

/** PIDs lsof names `path` for: `lsof -t PATH` for a live file, else every file lsof lists by that (deleted) name. */
function lsofPids(path: string, deleted: boolean): number[] {
  if (!deleted) return sorted(spawnSync('lsof', ['-t', '-w', path], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number));
  const out = spawnSync('lsof', ['-n', '-w', '-F', 'pfn'], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  const pids: number[] = [];
  let pid = 0;
  let fd = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    else if (line.startsWith('f')) fd = line.slice(1);
    else if (line.startsWith('n') && (line.slice(1) === `${path} (deleted)` || (fd === 'DEL' && line.slice(1) === path))) pids.push(pid);
  }
  return sorted(pids);
}

/** Rss of the mapping starting at `start` (hex) in /proc/PID/smaps, read plainly. */
function smapsRss(pid: number, start: string): number {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const at = text.indexOf(`${start.replace(/^0x/, '').padStart(8, '0')}-`);
  expect(at).toBeGreaterThanOrEqual(0);
  return Number(/\nRss:\s+(\d+) kB/.exec(text.slice(at))![1]) * 1024;
}

describe('mm-maps --who', () => {
  it('a file, then the same file deleted: the same pids as fuser and lsof, with mapped and resident bytes', async (ctx) => {
    if (!haveCommand('fuser', 'the fuser comparison') || !haveCommand('lsof', 'the lsof comparison')) ctx.skip('fuser or lsof (psmisc, lsof) is not installed');
    const file = join(tmp.path, 'held.bin');
    writeFileSync(file, Buffer.alloc(3 * 4096, 1));
    const a = await keep(mapper(file, 'rw', 'shared', 3 * 4096));
    const b = await keep(mapper(file, 'r', 'private', 4096));
    const reader = await opener(file, 0);
    const writer = await opener(file, 1);
    const expected = sorted([a, b, reader, writer]);

    const live = await whoJson(file);
    expect(live.code).toBe(0);
    expect(sorted(live.records.map((r) => r.pid))).toEqual(expected);
    expect(fuserPids(file)).toEqual(expected);
    expect(lsofPids(file, false)).toEqual(expected);
    const byPid = new Map(live.records.map((r) => [r.pid, r]));
    expect(byPid.get(a)).toMatchObject({ command: 'node', target: file, mapped: 3 * 4096, deleted: false, how: 'map rw shared', fds: [] });
    expect(byPid.get(a)!.resident).toBe(smapsRss(a, byPid.get(a)!.mappings[0].start));
    expect(byPid.get(a)!.resident).toBe(3 * 4096);
    expect(byPid.get(b)).toMatchObject({ mapped: 3 * 4096, how: 'map r private' });
    expect(byPid.get(b)!.resident).toBe(smapsRss(b, byPid.get(b)!.mappings[0].start));
    expect(byPid.get(reader)).toMatchObject({ command: 'sleep', mapped: 0, resident: 0, how: 'fd 0 r', fds: [{ fd: 0, access: 'r', deleted: false }] });
    expect(byPid.get(writer)).toMatchObject({ how: 'fd 1 w' });

    // -p limits the search to those processes.
    const some = await runBin(bin, ['--who', file, '--json', '-p', `${reader},${a}`]);
    expect(sorted(some.stdout.toString().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as WhoRecord).pid))).toEqual(sorted([reader, a]));
    expect(some.stderr).toBe('');

    // The text table says the same, one line per process.
    const text = await runBin(bin, ['--who', file]);
    const lines = text.stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*PID\s+COMMAND\s+MAPPED_KB\s+RSS_KB\s+HOW$/);
    expect(lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(expected);
    expect(lines.find((l) => l.trim().startsWith(`${a} `))).toMatch(new RegExp(`^\\s*${a}\\s+node\\s+12\\s+12\\s+map rw shared$`));

    rmSync(file);
    const gone = await whoJson(file);
    expect(gone.code).toBe(0);
    expect(sorted(gone.records.map((r) => r.pid))).toEqual(expected);
    expect(gone.records.every((r) => r.deleted)).toBe(true);
    expect(new Map(gone.records.map((r) => [r.pid, r])).get(a)!.how).toBe('map rw shared (deleted)');
    // A bare name that is gone is looked for as a deleted file here and as an unlinked shm object.
    const bare = await runBin(bin, ['--who', 'held.bin', '--json'], { cwd: tmp.path });
    expect(bare.code).toBe(0);
    expect(sorted(bare.stdout.toString().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as WhoRecord).pid))).toEqual(expected);
    expect(lsofPids(file, true)).toEqual(expected);
    // fuser cannot take a deleted name; it takes the file through a holder's descriptor.
    expect(fuserPids(`/proc/${reader}/fd/0`)).toEqual(expected);
  });

  it('an shm object mapped by several processes, before and after shm_unlink: the same pids as fuser and lsof', async (ctx) => {
    if (!haveCommand('fuser', 'the fuser comparison') || !haveCommand('lsof', 'the lsof comparison')) ctx.skip('fuser or lsof (psmisc, lsof) is not installed');
    const create = await runBin(binPath('mm-shm'), ['create', shmName, '--size', '16KiB', '--exclusive']);
    expect(create.code).toBe(0);
    const toucher = await keep(mapper(`shm:${shmName}`, 'rw', 'shared', 16384));
    const pids = sorted([
      toucher,
      await keep(mapper(`shm:${shmName}`, 'r', 'shared', 4096)),
      await keep(mapper(`shm:${shmName}`, 'rw', 'shared', 0)),
    ]);
    const path = `/dev/shm/${shmName}`;
    for (const name of [shmName, '/' + shmName, path]) {
      const w = await whoJson(name);
      expect(sorted(w.records.map((r) => r.pid)), name).toEqual(pids);
      expect(w.records.every((r) => r.target === path && r.mapped === 16384)).toBe(true);
    }
    expect(fuserPids(path)).toEqual(pids);
    expect(lsofPids(path, false)).toEqual(pids);
    const touched = (await whoJson(shmName)).records.find((r) => r.pid === toucher)!;
    expect(touched).toMatchObject({ resident: 16384, how: 'map rw shared' });

    shmUnlink(shmName);
    const after = await whoJson(shmName);
    expect(after.code).toBe(0);
    expect(sorted(after.records.map((r) => r.pid))).toEqual(pids);
    expect(after.records.every((r) => r.deleted && r.mappings.every((m) => m.deleted))).toBe(true);
    expect(lsofPids(path, true)).toEqual(pids);
    // Nothing holds it: not an error while it exists, an error once nothing is left of it.
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const none = await runBin(bin, ['--who', shmName]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`mm-maps: ${shmName}: No such file or directory\n`);
  });

  it('as nobody: shows the processes /proc lets it read and says how many it could not', async (ctx) => {
    const nobody = asNobody('the nobody --who test');
    if (!nobody) ctx.skip('cannot run as nobody here (see the warning above)');
    const file = join(tmp.path, 'shared-with-nobody.txt');
    writeFileSync(file, 'hello\n');
    chmodSync(file, 0o644);
    const rootHolder = await opener(file, 0);
    const nobodyHolder = await opener(file, 0, ['setpriv', ...nobody!]);
    const asRoot = await whoJson(file);
    expect(sorted(asRoot.records.map((r) => r.pid))).toEqual(sorted([rootHolder, nobodyHolder]));

    const r = spawnSync('setpriv', [...nobody!, process.execPath, bin, '--who', file, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    const seen = r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as WhoRecord).pid);
    expect(seen).toEqual([nobodyHolder]);
    const m = /^mm-maps: (\d+) of (\d+) processes could not be read \(permission denied\); they may hold (.*) too\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
    expect(m![3]).toBe(file);
  });

  it('bad use: a missing path is an error, --who mixes with no listing option', async () => {
    const missing = join(tmp.path, 'never', 'was');
    const r = await runBin(bin, ['--who', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-maps: ${missing}: No such file or directory\n`);
    expect(r.stdout.length).toBe(0);
    for (const args of [['--who', 'x', '--raw'], ['--who', 'x', '-x'], ['--who', 'x', 'FILE'], ['--who', ''], ['--who', 'x', '--summary']]) {
      const u = await runBin(bin, args);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr).toMatch(/^mm-maps: --who [^\n]*\nTry 'mm-maps --help' for more information.\n$/);
    }
  });
});
