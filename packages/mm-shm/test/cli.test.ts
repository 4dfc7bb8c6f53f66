import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, binDir, haveCommand, runBash, runCommand, tempDir } from '@mm/testkit';
import { BIN, patternBytes, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('cli');
const dev = (n: string): string => `/dev/shm/${n}`;

describe('mm-shm lifecycle', () => {
  it('create, write, read, ls, stat, rm — and the object is gone', async () => {
    const n = newName();
    expect(await shm(['create', n, '--size', '4KiB'])).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(dev(n)).size).toBe(4096);

    const w = await shm(['write', n], { input: 'Hello, shared memory' });
    expect(w).toMatchObject({ code: 0, stderr: '' });
    expect(w.stdout.length).toBe(0);

    const r = await shm(['read', n]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(4096);
    expect(r.stdout.subarray(0, 20).toString()).toBe('Hello, shared memory');
    expect(r.stdout.subarray(20).every((b) => b === 0)).toBe(true);
    expect(r.stdout.equals(readFileSync(dev(n)))).toBe(true);

    const ls = await shm(['ls']);
    expect(ls.code).toBe(0);
    const lines = ls.stdout.toString().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SIZE\s+MODE\s+OWNER\s+NATTCH\s+MODIFIED$/);
    const row = lines.find((l) => l.startsWith(n + ' '));
    expect(row).toMatch(new RegExp(`^${n}\\s+4096\\s+0600\\s+root\\s+0\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`));

    const json = await shm(['ls', '--json']);
    const records = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const rec = records.find((x) => x.name === n);
    expect(rec).toMatchObject({ name: n, path: dev(n), size: 4096, mode: '0600', uid: 0, owner: 'root' });
    expect(Math.abs(Date.parse(String(rec!.mtime)) - statSync(dev(n)).mtimeMs)).toBeLessThan(1);

    const st = await shm(['stat', '/' + n]);
    expect(st.code).toBe(0);
    expect(st.stdout.toString()).toContain(`  Name: /${n}\n  File: ${dev(n)}\n  Size: 4096\nAccess: (0600/-rw-------)  Uid: (0/root)  Gid: (0/root)\n`);
    const stj = await shm(['stat', '--json', n]);
    expect(JSON.parse(stj.stdout.toString())).toMatchObject({ name: n, size: 4096, mode: '0600' });

    expect(await shm(['rm', n])).toMatchObject({ code: 0, stderr: '' });
    expect(() => statSync(dev(n))).toThrow();
    const again = await shm(['read', n]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`mm-shm: ${n}: No such file or directory\n`);
  });

  it('--exclusive twice: the second fails with "already exists" and leaves the object alone', async () => {
    const n = newName();
    expect((await shm(['create', n, '--exclusive', '--size', '100'])).code).toBe(0);
    await shm(['write', n], { input: 'keep me' });
    const second = await shm(['create', n, '--exclusive', '--size', '10']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`mm-shm: ${n}: already exists\n`);
    expect(statSync(dev(n)).size).toBe(100);
    expect(readFileSync(dev(n)).subarray(0, 7).toString()).toBe('keep me');
    // Without --exclusive, create on an existing object opens it (and resizes with --size).
    expect((await shm(['create', '/' + n])).code).toBe(0);
    expect(statSync(dev(n)).size).toBe(100);
    await shm(['rm', n]);
  });

  it('creates objects with mode 0600 by default, and --mode exactly (checked with stat)', async () => {
    const a = newName();
    const b = newName();
    await shm(['create', a]);
    // A umask that would strip group/other bits must not change an explicit --mode.
    const r = await runBash(`umask 077 && "${process.execPath}" "${BIN}" create ${b} --mode 0644`);
    expect(r.code).toBe(0);
    expect(statSync(dev(a)).mode & 0o7777).toBe(0o600);
    expect(statSync(dev(b)).mode & 0o7777).toBe(0o644);
    if (haveCommand('stat', 'the GNU stat cross-check of modes')) {
      const gnu = await runCommand('stat', ['-c', '%a %A %U', dev(a), dev(b)]);
      expect(gnu.stdout.toString()).toBe('600 -rw------- root\n644 -rw-r--r-- root\n');
    }
    await shm(['rm', a, b]);
  });

  it('read of a binary object equals what was written, through a pipe and from a file', async () => {
    const n = newName();
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const data = Buffer.concat([every, patternBytes(3 * 1024 * 1024 + 17)]);
    expect((await shm(['write', n], { input: data })).code).toBe(0);
    expect(statSync(dev(n)).size).toBe(data.length);
    expect(readFileSync(dev(n)).equals(data)).toBe(true);
    const r = await shm(['read', n]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);

    // stdin from a regular file, and read into a file: cmp agrees byte for byte.
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, 'in.bin'), data.subarray(0, 1_000_000));
      const m = newName();
      const c = await runBash(`"${process.execPath}" "${BIN}" write ${m} < in.bin && "${process.execPath}" "${BIN}" read ${m} > out.bin && cmp in.bin out.bin && cmp in.bin ${dev(m)}`, { cwd: tmp.path });
      expect(c).toMatchObject({ code: 0, stderr: '' });
      await shm(['rm', m]);
    } finally {
      tmp.cleanup();
    }
    await shm(['rm', n]);
  });

  it('read --offset/--length output exactly that range, as dd would', async () => {
    const n = newName();
    const data = patternBytes(10_000);
    await shm(['write', n], { input: data });
    expect((await shm(['read', n, '--offset', '4097', '--length', '1000'])).stdout.equals(data.subarray(4097, 5097))).toBe(true);
    expect((await shm(['read', n, '--offset', '9000'])).stdout.equals(data.subarray(9000))).toBe(true);
    expect((await shm(['read', n, '--length', '1K'])).stdout.equals(data.subarray(0, 1024))).toBe(true);
    const past = await shm(['read', n, '--offset', '20000']);
    expect(past).toMatchObject({ code: 0, stderr: '' });
    expect(past.stdout.length).toBe(0);
    if (haveCommand('dd', 'comparing read --offset with dd')) {
      const dd = await runCommand('dd', [`if=${dev(n)}`, 'bs=1', 'skip=123', 'count=456', 'status=none']);
      expect((await shm(['read', n, '-o', '123', '-n', '456'])).stdout.equals(dd.stdout)).toBe(true);
    }
    await shm(['rm', n]);
  });

  it('write --offset grows the object with zeros between; --truncate cuts it where the input ends', async () => {
    const n = newName();
    await shm(['write', n], { input: 'abcdefghij' });
    await shm(['write', n, '--offset', '3'], { input: 'XY' });
    expect(readFileSync(dev(n)).toString()).toBe('abcXYfghij');
    await shm(['write', n, '--offset', '12'], { input: 'end' });
    expect(readFileSync(dev(n))).toEqual(Buffer.from('abcXYfghij\0\0end', 'latin1'));
    await shm(['write', n, '--truncate'], { input: 'short' });
    expect(readFileSync(dev(n)).toString()).toBe('short');
    await shm(['write', n, '--truncate', '--offset', '2'], { input: 'Z' });
    expect(readFileSync(dev(n)).toString()).toBe('shZ');
    await shm(['write', n, '--truncate'], { input: '' });
    expect(statSync(dev(n)).size).toBe(0);
    expect((await shm(['read', n])).stdout.length).toBe(0);
    await shm(['rm', n]);
  });

  it('rm reports each failure and exits 1, removing the rest; -f ignores missing objects', async () => {
    const a = newName();
    const b = newName();
    const missing = newName();
    await shm(['create', a]);
    await shm(['create', b]);
    const r = await shm(['rm', a, missing, '/' + b, missing + 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mm-shm: ${missing}: No such file or directory\nmm-shm: ${missing}x: No such file or directory\n`);
    expect(() => statSync(dev(a))).toThrow();
    expect(() => statSync(dev(b))).toThrow();
    expect(await shm(['rm', '-f', missing])).toMatchObject({ code: 0, stderr: '' });
  });

  it('stat of several names reports the missing ones and exits 1', async () => {
    const a = newName();
    const missing = newName();
    await shm(['create', a, '--size', '1']);
    const r = await shm(['stat', a, missing]);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toContain(`  Size: 1\n`);
    expect(r.stderr).toBe(`mm-shm: ${missing}: No such file or directory\n`);
    await shm(['rm', a]);
  });
});

describe('mm-shm usage errors (exit 2)', () => {
  it('rejects empty names, inner slashes, . and .., and names over NAME_MAX', async () => {
    // Each bad name once, each through a different subcommand.
    const cases: string[][] = [
      ['create', ''],
      ['read', '/'],
      ['rm', 'ok_name', 'a/b'],
      ['write', '/a/b'],
      ['stat', '.'],
      ['watch', '..'],
      ['arbiter', '--name', '/..'],
      ['create', 'x'.repeat(256)],
    ];
    for (const args of cases) {
      const r = await shm(args, { input: 'data' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^mm-shm: invalid shared memory name\b.*\nTry 'mm-shm --help' for more information\.\n$/);
    }
    // 255 bytes is still a valid name.
    const long = 'mmshmcli_' + 'y'.repeat(246);
    expect((await shm(['create', long])).code).toBe(0);
    expect((await shm(['rm', long])).code).toBe(0);
  });

  it('sizes, offsets and modes that are not numbers are usage errors', async () => {
    const n = newName();
    for (const args of [
      ['create', n, '--size', 'lots'],
      ['create', n, '--mode', '0999'],
      ['read', n, '--length', '1.5'],
      ['write', n, '--offset', 'ten'],
      ['watch', n, '--interval', 'soon'],
    ]) {
      const r = await shm(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^mm-shm: .*(invalid|argument).*\n/);
    }
    const tiny = await shm(['arbiter', '--name', n, '--size', '10']);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(/^mm-shm: the arbiter's object needs at least 128 bytes/);
    const missingArg = await shm(['create']);
    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toContain("missing required argument 'name'");
  });
});

describe('mm-shm runtime errors name the object and the reason', () => {
  it('quiet on EPIPE: read | head -c 10', async () => {
    const n = newName();
    await shm(['create', n, '--size', '8M']);
    const r = await runBash(`"${process.execPath}" "${BIN}" read ${n} | head -c 10 | od -An -tx1; echo "status \${PIPESTATUS[0]}"`);
    expect(r.stdout.toString()).toBe(' 00 00 00 00 00 00 00 00 00 00\nstatus 141\n');
    expect(r.stderr).toBe('');
    await shm(['rm', n]);
  });

  it('permission denied: an object of another user with mode 0600, opened as nobody', async (ctx) => {
    const nobody = asNobody('the permission-denied test');
    if (!nobody) return ctx.skip();
    const n = newName();
    await shm(['write', n], { input: 'secret' });
    const runAsNobody = (args: string[]): Promise<Awaited<ReturnType<typeof runCommand>>> =>
      runCommand('setpriv', [...nobody, process.execPath, BIN, ...args]);
    for (const args of [['read', n], ['write', n], ['watch', n], ['create', n, '--size', '1'], ['rm', n]]) {
      const r = await runAsNobody(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toBe(`mm-shm: ${n}: Permission denied\n`);
    }
    expect(readFileSync(dev(n)).toString()).toBe('secret');
    // ...while `stat` and `ls` still show it to everyone, as ls -l /dev/shm does.
    const st = await runAsNobody(['stat', '--json', n]);
    expect(JSON.parse(st.stdout.toString())).toMatchObject({ name: n, mode: '0600', owner: 'root' });
    await shm(['rm', n]);
  });

  it('no space left: the object mm-shm had just created is removed again; an existing one keeps its size', async (ctx) => {
    if (!haveCommand('unshare', 'the ENOSPC test (a private 1 MiB /dev/shm)')) return ctx.skip();
    const probe = await runCommand('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1M tmpfs /dev/shm']);
    if (probe.code !== 0) {
      console.warn(`skipping the ENOSPC test: cannot mount a private tmpfs (${probe.stderr.trim()})`);
      return ctx.skip();
    }
    const bins = binDir();
    try {
      // Inside a private mount namespace with a 1 MiB /dev/shm; the host's /dev/shm is untouched.
      const script = `
        mount -t tmpfs -o size=1M tmpfs /dev/shm || exit 99
        head -c 2M /dev/zero | mm-shm write fresh; echo "fresh exit $?"
        ls /dev/shm
        printf 'abc' | mm-shm write old
        head -c 3M /dev/zero | mm-shm write old --offset 3; echo "old exit $?"
        mm-shm read old; echo
        mm-shm create big --size 2M --allocate; echo "allocate exit $?"
        ls /dev/shm`;
      const r = await runCommand('unshare', ['-m', 'bash', '-c', script], { env: bins.env });
      expect(r.stdout.toString()).toBe('fresh exit 1\nold exit 1\nabc\nallocate exit 1\nold\n');
      expect(r.stderr).toBe('mm-shm: fresh: No space left on device\nmm-shm: old: No space left on device\nmm-shm: big: No space left on device\n');
    } finally {
      bins.cleanup();
    }
  });
});

describe('subcommands set up only when named', () => {
  it('help still lists every subcommand; a named one parses alone; a misspelt one is still unknown', async () => {
    const help = await shm(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['create', 'write', 'read', 'ls', 'stat', 'rm', 'watch', 'wait', 'wake', 'arbiter']) expect(help.stdout.toString()).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const viaHelp = await shm(['help', 'ls']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout.toString()).toMatch(/^Usage: mm-shm ls \[options\]/m);
    const lsHelp = await shm(['ls', '--help']);
    expect(lsHelp.code).toBe(0);
    expect(lsHelp.stdout.toString()).toBe(viaHelp.stdout.toString());
    const typo = await shm(['lss']);
    expect(typo.code).toBe(2);
    expect(typo.stderr.toString()).toMatch(/^mm-shm: unknown command 'lss'\nTry 'mm-shm --help' for more information\.\n$/);
    const bad = await shm(['ls', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.toString()).toMatch(/^mm-shm: unknown option '--bogus'\n/);
  });
});
