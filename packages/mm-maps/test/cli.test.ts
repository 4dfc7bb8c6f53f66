// End-to-end: the built mm-maps against the kernel's /proc files, pmap, pidof and a real child.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asNobody, binDir, binPath, runBash, runBin, runCommand, skipWithout, tempDir } from '@mm/testkit';
import { procLines, quietSleeper } from './helpers.js';

const bin = binPath('mm-maps');
let tmp: ReturnType<typeof tempDir>;
let launchers: ReturnType<typeof binDir>;
let sleeper: Awaited<ReturnType<typeof quietSleeper>>;

beforeAll(async () => {
  tmp = tempDir('mm-maps-');
  launchers = binDir();
  sleeper = await quietSleeper();
});
afterAll(() => {
  sleeper?.kill();
  tmp?.cleanup();
  launchers?.cleanup();
});

function lines(buf: Buffer): string[] {
  return buf.toString().split('\n').filter(Boolean);
}

function ndjson(buf: Buffer): Record<string, unknown>[] {
  return lines(buf).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('own view: mm-maps FILE...', () => {
  it('maps each FILE read-only and marks it, with its size and permissions', async () => {
    const poem = join(tmp.path, 'poem.txt');
    writeFileSync(poem, 'x'.repeat(10000)); // 3 pages
    const small = join(tmp.path, 'small.txt');
    writeFileSync(small, 'I just love sharing memories\n');
    const r = await runBin(bin, ['--no-header', poem, small]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const marked = lines(r.stdout).filter((l) => l.endsWith('  <- FILE'));
    expect(marked).toHaveLength(2);
    const p = marked.find((l) => l.includes(poem))!;
    const s = marked.find((l) => l.includes(small))!;
    const fields = p.split(/\s+/);
    expect(fields[1]).toBe('r--s'); // read-only, shared
    expect(fields[2]).toBe('00000000');
    expect(fields[5]).toBe('12'); // KiB: 10000 bytes take 3 pages
    expect(fields[6]).toBe('file');
    expect(p).toContain(` ${poem}  <- FILE`);
    expect(s.split(/\s+/)[5]).toBe('4');
    expect(s).toContain(` ${small}  <- FILE`);
    // The inode column is the file's.
    const { ino } = await import('node:fs').then((fs) => fs.statSync(poem));
    expect(fields[4]).toBe(String(ino));
    // The rest of the listing is this process: its program, heap and stack are there too.
    expect(lines(r.stdout).some((l) => / program +\//.test(l))).toBe(true);
    expect(lines(r.stdout).some((l) => l.endsWith(' stack    [stack]'))).toBe(true);
  });

  it('--json marks the FILE mapping and gives its size in bytes', async () => {
    const poem = join(tmp.path, 'poem.json.txt');
    writeFileSync(poem, 'y'.repeat(5000));
    const r = await runBin(bin, ['--json', poem]);
    expect(r.code).toBe(0);
    const rows = ndjson(r.stdout);
    const mine = rows.filter((o) => o.mappedFile !== undefined);
    expect(mine).toHaveLength(1);
    const m = mine[0];
    expect(m).toMatchObject({ mappedFile: poem, path: poem, perms: 'r--s', size: 8192, offset: 0, kind: 'file', deleted: false });
    expect(BigInt(m.end as string) - BigInt(m.start as string)).toBe(8192n);
    expect(rows.every((o) => o.pid === rows[0].pid)).toBe(true);
  });

  it('a path containing spaces is kept whole, in text and in JSON', async () => {
    const dir = join(tmp.path, 'my  files');
    mkdirSync(dir, { recursive: true });
    const odd = join(dir, 'the poem (v2) .txt');
    writeFileSync(odd, 'spaces\n');
    const text = await runBin(bin, ['--no-header', '--path', 'poem (v2)', odd]);
    expect(text.code).toBe(0);
    expect(lines(text.stdout)).toHaveLength(1);
    expect(lines(text.stdout)[0].endsWith(` file     ${odd}  <- FILE`)).toBe(true);
    const json = await runBin(bin, ['--json', '--path', 'poem (v2)', odd]);
    expect(ndjson(json.stdout).map((o) => o.path)).toEqual([odd]);
  });

  it("'-' maps standard input, and --raw keeps a file name that is not UTF-8 byte for byte", async () => {
    const r = await runBash(`cd "${tmp.path}" && f=$(printf 'caf\\351 au lait.txt') && printf 'coffee\\n' > "$f" && mm-maps --raw - < "$f" | LC_ALL=C grep -c -F "/$f" && rm "$f"`, { env: launchers.env });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('1\n');
  });

  it('reports a FILE it cannot map, maps the others, exits 1', async () => {
    const ok = join(tmp.path, 'ok.txt');
    writeFileSync(ok, 'ok\n');
    const empty = join(tmp.path, 'empty.txt');
    writeFileSync(empty, '');
    const missing = join(tmp.path, 'missing.txt');
    const r = await runBin(bin, [missing, tmp.path, empty, ok]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-maps: ${missing}: No such file or directory\nmm-maps: ${tmp.path}: Is a directory\nmm-maps: ${empty}: empty file, nothing to map\n`);
    expect(lines(r.stdout).filter((l) => l.endsWith('  <- FILE')).map((l) => l.slice(l.indexOf('/')))).toEqual([`${ok}  <- FILE`]);
  });

  it('--wait: pidof finds it, another process sees the FILE, a deleted FILE shows as deleted, SIGTERM ends it with 0', async (ctx) => {
    skipWithout(ctx, 'pidof', 'the pidof check of mm-maps --wait');
    const f = join(tmp.path, 'waited on.txt');
    writeFileSync(f, 'z'.repeat(6000));
    const script = `
      mm-maps --wait "${f}" > "${tmp.path}/wait.out" 2> "${tmp.path}/wait.err" &
      P=$!
      for i in $(seq 1200); do pidof mm-maps | tr ' ' '\\n' | grep -qx "$P" && break; sleep 0.05; done
      for i in $(seq 1200); do grep -q "waited on" /proc/$P/maps && break; sleep 0.05; done
      echo "pidof:$(pidof mm-maps | tr ' ' '\\n' | grep -cx "$P")"
      echo "outside:$(grep -cF "${f}" /proc/$P/maps)"
      mm-maps -p $P --json --path "waited on"
      rm "${f}"
      mm-maps -p $P --no-header --kind deleted
      kill -TERM $P
      wait $P
      echo "exit:$?"
    `;
    const r = await runBash(script, { env: launchers.env });
    const out = lines(r.stdout);
    expect(out[0]).toBe('pidof:1');
    expect(out[1]).toBe('outside:1');
    const seen = JSON.parse(out[2]) as Record<string, unknown>;
    expect(seen).toMatchObject({ path: f, perms: 'r--s', size: 8192, kind: 'file', deleted: false });
    expect(out[3]).toMatch(/ r--s 00000000 .* 8 deleted {2}.*waited on\.txt \(deleted\)$/);
    expect(out[3].endsWith(`${f} (deleted)`)).toBe(true);
    expect(out[4]).toBe('exit:0');
    const err = readFileSync(join(tmp.path, 'wait.err'), 'utf8');
    expect(err).toMatch(/^mm-maps: PID (\d+) is waiting; look from outside: cat \/proc\/\1\/maps/);
    expect(readFileSync(join(tmp.path, 'wait.out'), 'utf8')).toContain(`${f}  <- FILE`);
  });

  it('--wait ends on Enter and on SIGINT, exit 0', async () => {
    const f = join(tmp.path, 'enter.txt');
    writeFileSync(f, 'enter\n');
    const enter = await runBin(bin, ['--wait', f], { input: '\n', timeoutMs: 30000 });
    expect(enter.signal).toBe(null);
    expect(enter.code).toBe(0);
    const script = `mm-maps --wait "${f}" > /dev/null 2> "${tmp.path}/int.err" & P=$!
      for i in $(seq 1200); do grep -q "is waiting" "${tmp.path}/int.err" && break; sleep 0.05; done
      kill -INT $P; wait $P; echo "exit:$?"`;
    const r = await runBash(script, { env: launchers.env });
    expect(r.stdout.toString()).toBe('exit:0\n');
  });
});

describe('-p PID: another process', () => {
  it('--raw prints /proc/PID/maps exactly', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid), '--raw']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(readFileSync(`/proc/${sleeper.pid}/maps`))).toBe(true);
  });

  it('the parsed listing matches /proc/PID/maps line for line', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid)]);
    expect(r.code).toBe(0);
    const kernel = procLines(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8'));
    const [header, ...rows] = lines(r.stdout);
    expect(header.split(/\s+/)).toEqual(['Address', 'Perm', 'Offset', 'Dev', 'Inode', 'Kbytes', 'Kind', 'Mapping']);
    expect(rows).toHaveLength(kernel.length);
    rows.forEach((line, i) => {
      const k = kernel[i];
      const f = line.split(/\s+/);
      expect(f.slice(0, 6)).toEqual([k.range, k.perms, k.offset, k.device, k.inode, String(k.size / 1024)]);
      const name = f.slice(7).join(' ');
      expect(name).toBe(k.name === '' ? '[anon]' : k.name);
    });
    const kinds = new Map(rows.map((l) => [l.split(/\s+/)[7], l.split(/\s+/)[6]]));
    expect(kinds.get('[heap]')).toBe('heap');
    expect(kinds.get('[stack]')).toBe('stack');
    expect(kinds.get('[vdso]')).toBe('vdso');
    expect(kinds.get(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8').split('\n')[0].split(/\s+/)[5])).toBe('program');
  });

  it('--json: one object per mapping, the same fields, sizes that add up', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid), '--json']);
    expect(r.code).toBe(0);
    const rows = ndjson(r.stdout);
    const kernel = procLines(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8'));
    expect(rows.map((o) => `${(o.start as string).slice(2)}-${(o.end as string).slice(2)}`)).toEqual(kernel.map((k) => k.range.replace(/^0+(?=.)/, '').replace(/-0+(?=.)/, '-')));
    expect(rows.map((o) => o.perms)).toEqual(kernel.map((k) => k.perms));
    expect(rows.map((o) => o.inode)).toEqual(kernel.map((k) => Number(k.inode)));
    expect(rows.map((o) => o.offset)).toEqual(kernel.map((k) => parseInt(k.offset, 16)));
    expect(rows.map((o) => o.path)).toEqual(kernel.map((k) => k.name));
    expect(rows.every((o) => o.pid === sleeper.pid)).toBe(true);
    const total = rows.reduce((s, o) => s + (o.size as number), 0);
    expect(total).toBe(kernel.reduce((s, k) => s + k.size, 0));
    // --summary --json: the kinds add up to the total, which is the same sum.
    const sum = ndjson((await runBin(bin, ['-p', String(sleeper.pid), '--summary', '--json'])).stdout);
    const grand = sum.find((o) => o.kind === 'total')!;
    expect(grand.size).toBe(total);
    expect(grand.mappings).toBe(rows.length);
    const parts = sum.filter((o) => o.kind !== 'total');
    expect(parts.map((o) => o.kind)).toEqual(['program', 'libraries', 'heap', 'stack', 'anonymous', 'file-backed', 'shared-memory', 'vdso/vvar', 'other']);
    expect(parts.reduce((s, o) => s + (o.size as number), 0)).toBe(total);
  });

  it('-x totals equal pmap -x (Kbytes, RSS, Dirty); per-row JSON adds up to them', async (ctx) => {
    const pid = String(sleeper.pid);
    /** [Kbytes, Rss, Shared_Dirty + Private_Dirty] from the totals line of `mm-maps -x`. */
    const ours = async (): Promise<number[]> => {
      const x = await runBin(bin, ['-p', pid, '-x']);
      expect(x.code).toBe(0);
      const out = lines(x.stdout);
      expect(out[0].split(/\s+/)).toEqual(['Address', 'Perm', 'Offset', 'Dev', 'Inode', 'Kbytes', 'Rss', 'Pss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Swap', 'Kind', 'Mapping']);
      const total = out.at(-1)!.split(/\s+/);
      expect(total.slice(0, 2)).toEqual(['total', 'kB']);
      const [kbytes, rss, , , sharedDirty, , privateDirty] = total.slice(2).map(Number);
      return [kbytes, rss, sharedDirty + privateDirty];
    };
    const before = await ours();
    const json = ndjson((await runBin(bin, ['-p', pid, '-x', '--json'])).stdout);
    const sum = (k: string) => json.reduce((s, o) => s + (o[k] as number), 0) / 1024;
    expect([sum('size'), sum('rss'), sum('sharedDirty') + sum('privateDirty')]).toEqual(before);
    expect(json[0].vmFlags).toContain('rd');
    skipWithout(ctx, 'pmap', 'the comparison of -x totals with pmap -x (the JSON sums above were checked)');
    // The sleeper is quiet, but the kernel may still reclaim a page under memory pressure:
    // compare with pmap only across a window in which our own two readings agree.
    for (let attempt = 1; ; attempt++) {
      const a = await ours();
      const pmap = await runCommand('pmap', ['-x', pid]);
      const b = await ours();
      const ptotal = lines(pmap.stdout).at(-1)!.split(/\s+/); // total kB  KBYTES RSS DIRTY
      expect(ptotal.slice(0, 2)).toEqual(['total', 'kB']);
      if (attempt < 3 && a.join() !== b.join()) continue;
      expect(a).toEqual(b);
      expect(a).toEqual(ptotal.slice(2, 5).map(Number));
      break;
    }
  });

  it('-x --raw prints each smaps block untouched', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid), '-x', '--raw', '--kind', 'stack']);
    expect(r.code).toBe(0);
    const text = r.stdout.toString();
    const kernelStack = readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith('[stack]'))!;
    expect(text.startsWith(kernelStack + '\n')).toBe(true);
    expect(text).toMatch(/\nRss: +\d+ kB\n/);
    expect(text).toMatch(/\nVmFlags: .*\n$/);
    expect(text.match(/^[0-9a-f]+-[0-9a-f]+ /gm)).toHaveLength(1);
  });

  it('filters: --kind, --perms, --path keep the lines they should', async () => {
    const pid = String(sleeper.pid);
    const kernel = procLines(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8'));
    const heap = await runBin(bin, ['-p', pid, '--no-header', '--kind', 'heap']);
    expect(lines(heap.stdout).map((l) => l.split(/\s+/)[0])).toEqual(kernel.filter((k) => k.name === '[heap]').map((k) => k.range));
    const rx = await runBin(bin, ['-p', pid, '--no-header', '--raw', '--perms', 'r-x']);
    expect(lines(rx.stdout)).toEqual(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8').split('\n').filter((l) => / r-xp /.test(l)));
    const rw = await runBin(bin, ['-p', pid, '--json', '--perms', 'rw']);
    expect(ndjson(rw.stdout).map((o) => o.perms)).toEqual(kernel.filter((k) => k.perms.startsWith('rw')).map((k) => k.perms));
    const libc = await runBin(bin, ['-p', pid, '--json', '--path', 'libc.so', '--kind', 'library,program']);
    const libcRows = ndjson(libc.stdout);
    expect(libcRows.length).toBe(kernel.filter((k) => k.name.includes('libc.so')).length);
    expect(libcRows.every((o) => o.kind === 'library')).toBe(true);
  });

  it('several PIDs: a heading each, a failure reported, the rest still shown, exit 1', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid), '999999', String(process.pid), '--summary']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mm-maps: PID 999999: no such process\n');
    const out = lines(r.stdout);
    expect(out[0]).toBe(`${sleeper.pid}:   sleep 300`);
    expect(out.filter((l) => l.startsWith('total '))).toHaveLength(2);
    const ownArgv = readFileSync('/proc/self/cmdline', 'utf8').replace(/\0$/, '').split('\0').join(' ');
    expect(out).toContain(`${process.pid}:   ${ownArgv}`);
  });
});

describe('errors', () => {
  it('a PID that is not running: one line, exit 1', async () => {
    const r = await runBin(bin, ['-p', '999999']);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe('mm-maps: PID 999999: no such process\n');
  });

  it('a PID that is not a number, and other misuse: usage, exit 2', async () => {
    for (const args of [['-p', 'abc'], ['-p', '12x'], ['--kind', 'heapz'], ['--perms', 'rwz'], ['-p', '1', 'FILE'], ['-p', '1', '--wait'], ['--raw', '--json']]) {
      const r = await runBin(bin, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toMatch(/^mm-maps: /);
      expect(r.stderr).toContain("Try 'mm-maps --help'");
    }
    expect((await runBin(bin, ['-p', 'abc'])).stderr).toContain("invalid PID: 'abc'");
  });

  it('smaps of a process it may not read: says Permission denied, exit 1', async (ctx) => {
    const nobody = asNobody('the permission test (it runs mm-maps as nobody)');
    if (!nobody) return ctx.skip();
    const r = await runCommand('setpriv', [...nobody, process.execPath, bin, '-x', '-p', String(sleeper.pid)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-maps: PID ${sleeper.pid}: cannot read /proc/${sleeper.pid}/smaps: Permission denied\n`);
  });

  it('quiet when the reader of stdout goes away', async () => {
    const many = Array(100).fill(sleeper.pid).join(',');
    const r = await runBash(`mm-maps -x -p ${many} | head -n 2; echo "status:\${PIPESTATUS[0]}"`, { env: launchers.env });
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toBe(`${sleeper.pid}:   sleep 300`);
    expect(out[1]).toMatch(/^Address +Perm /);
    expect(out[2]).toBe('status:141');
  });
});
