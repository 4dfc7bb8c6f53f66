// ls's NATTCH and stat's attached pids, with real processes mapping an object or holding it open.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { asNobody, runCommand } from '@mm/testkit';
import { BIN, shm, shmNames } from './helpers.js';
import { attachments, mappingAttachments } from '../src/index.js';

const { name: newName } = shmNames('attach');
const core = new URL('../../core/dist/index.js', import.meta.url).href;
const MAPPER = `
const m = await import(${JSON.stringify(core)});
const map = m.openShmMapping(process.argv[1], { access: 'r' });
let sum = 0;
for (let i = 0; i < map.length; i += 4096) sum += map.bytes[i];
globalThis.keep = [map, sum];
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
  }
});

async function mapper(name: string): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', MAPPER, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`mapper exited ${code}`)));
  });
  return child.pid!;
}

async function opener(name: string): Promise<number> {
  const f = openSync(`/dev/shm/${name}`, 'r');
  const child = spawn('sleep', ['300'], { stdio: [f, 'ignore', 'ignore'] });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  closeSync(f);
  return child.pid!;
}

const comm = (pid: number): string => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

describe('attach counts', () => {
  it('ls shows how many processes map each object; stat lists them, and those that only hold it open', async () => {
    const busy = newName();
    const idle = newName();
    expect((await shm(['create', busy, '--size', '8KiB'])).code).toBe(0);
    expect((await shm(['create', idle, '--size', '1'])).code).toBe(0);
    const a = await mapper(busy);
    const b = await mapper(busy);
    const c = await mapper(busy);
    const o = await opener(busy);

    const ls = await shm(['ls']);
    expect(ls).toMatchObject({ code: 0, stderr: '' });
    const lines = ls.stdout.toString().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SIZE\s+MODE\s+OWNER\s+NATTCH\s+MODIFIED$/);
    expect(lines.find((l) => l.startsWith(busy + ' '))).toMatch(new RegExp(`^${busy}\\s+8192\\s+0600\\s+root\\s+3\\s+\\d{4}-`));
    expect(lines.find((l) => l.startsWith(idle + ' '))).toMatch(new RegExp(`^${idle}\\s+1\\s+0600\\s+root\\s+0\\s+\\d{4}-`));
    const json = (await shm(['ls', '--json'])).stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { name: string; attached: number });
    expect(json.find((r) => r.name === busy)!.attached).toBe(3);
    expect(json.find((r) => r.name === idle)!.attached).toBe(0);

    const st = await shm(['stat', busy, idle]);
    expect(st.code).toBe(0);
    const text = st.stdout.toString();
    const pids = [a, b, c].sort((x, y) => x - y);
    expect(text).toContain(`\nAttach: 3 (${pids.map((p) => `${p} ${comm(p)}`).join(', ')})\n  Open: 1 (${o} sleep)\n`);
    expect(text).toContain(`  Name: /${idle}\n`);
    expect(text.split(`  Name: /${idle}\n`)[1]).toMatch(/\nAttach: 0\n/);

    const sj = JSON.parse((await shm(['stat', '--json', busy])).stdout.toString()) as Record<string, unknown>;
    expect(sj).toMatchObject({ name: busy, attached: 3, attachedPids: pids, openPids: [o], resident: 3 * 8192 });

    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const after = await shm(['ls']);
    expect(after.stdout.toString().split('\n').find((l) => l.startsWith(busy + ' '))).toMatch(/\s0\s+\d{4}-/);
    await shm(['rm', busy, idle]);
  });

  it("ls's maps-only scan finds the same mapping processes and mappings as stat's full one, and none of the openers", async () => {
    const busy = newName();
    const idle = newName();
    expect((await shm(['create', busy, '--size', '8KiB'])).code).toBe(0);
    expect((await shm(['create', idle, '--size', '1'])).code).toBe(0);
    const pids = [await mapper(busy), await mapper(busy)].sort((x, y) => x - y);
    await opener(busy);
    const quick = mappingAttachments([busy, idle]);
    const full = attachments([busy, idle]);
    for (const n of [busy, idle]) {
      const q = quick.byName.get(n)!;
      expect(q.openOnly).toEqual([]);
      expect(q.attached.map((h) => [h.pid, h.mappings.map((m) => [m.start, m.size, m.perms])])).toEqual(full.byName.get(n)!.attached.map((h) => [h.pid, h.mappings.map((m) => [m.start, m.size, m.perms])]));
    }
    expect(quick.byName.get(busy)!.attached.map((h) => h.pid)).toEqual(pids);
    expect(quick.byName.get(idle)!.attached).toEqual([]);
    expect(quick.processes).toBeGreaterThan(2);
    // Nothing to look for: /proc is not read.
    expect(mappingAttachments([])).toEqual({ byName: new Map(), processes: 0, unreadable: 0 });
    await shm(['rm', busy, idle]);
  });

  it('as nobody: counts what /proc shows and says what it leaves out', async (ctx) => {
    const nobody = asNobody('the nobody attach-count test');
    if (!nobody) ctx.skip('cannot run as nobody here (see the warning above)');
    const n = newName();
    expect((await shm(['create', n, '--size', '4KiB', '--mode', '0644'])).code).toBe(0);
    await mapper(n); // root's: nobody cannot read its maps
    const r = await runCommand('setpriv', [...nobody!, process.execPath, BIN, 'ls']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().split('\n').find((l) => l.startsWith(n + ' '))).toMatch(/\s0\s+\d{4}-/);
    expect(r.stderr).toMatch(/^mm-shm: attach counts leave out \d+ processes that could not be read \(permission denied\)\n$/);
    const st = await runCommand('setpriv', [...nobody!, process.execPath, BIN, 'stat', n]);
    expect(st.stdout.toString()).toMatch(/\nAttach: 0\nUnread: \d+ processes could not be read \(permission denied\)\n$/);
    await shm(['rm', n]);
  });
});
