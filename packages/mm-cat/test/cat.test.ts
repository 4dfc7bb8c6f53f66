// mm-cat as cat: byte equality with GNU cat for every kind of input, per-file errors, broken
// pipes, full disks, byte ranges, and a file truncated while it is being written out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, binDir, binPath, haveCommand, runBash, runBin, runCommand, tempDir } from '@mm/testkit';

const bin = binPath('mm-cat');
const tmp = tempDir('mm-cat-test-');
const bins = binDir();
const at = (name: string): string => join(tmp.path, name);
const bash = (script: string) => runBash(script, { cwd: tmp.path, env: bins.env });

const POEM = 'I just love\nsharing memories\nwith other processes\n';

beforeAll(() => {
  writeFileSync(at('poem.txt'), POEM);
  writeFileSync(at('empty'), '');
  writeFileSync(at('nonl.txt'), 'no final newline');
  const bin = Buffer.alloc(70_000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 251 === 0 ? 0 : (i * 31) & 0xff;
  writeFileSync(at('binary.bin'), bin);
  mkdirSync(at('dir'));
});

afterAll(() => {
  tmp.cleanup();
  bins.cleanup();
});

/** Runs `cat ARGS` and `mm-cat ARGS` the same way and returns both. */
async function both(args: string[], input?: string) {
  const gnu = await runCommand('cat', args, { cwd: tmp.path, input });
  const ours = await runBin(bin, args, { cwd: tmp.path, input });
  return { gnu, ours };
}

describe('byte-identical with GNU cat', () => {
  const cases: Array<[string, string[]]> = [
    ['a text file', ['poem.txt']],
    ['binary data with NULs across several pages', ['binary.bin']],
    ['an empty file', ['empty']],
    ['a file without a final newline', ['nonl.txt']],
    ['several files in a row, empty ones between', ['poem.txt', 'empty', 'binary.bin', 'nonl.txt', 'poem.txt']],
    ['a character device (/dev/null)', ['/dev/null']],
    ['a procfs file with st_size 0 (/proc/version)', ['/proc/version']],
    ['a procfs sysctl file (/proc/sys/kernel/ostype)', ['/proc/sys/kernel/ostype']],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      const { gnu, ours } = await both(args);
      expect(gnu.code).toBe(0);
      expect(ours.stderr).toBe('');
      expect(ours.code).toBe(0);
      expect(ours.stdout.equals(gnu.stdout)).toBe(true);
    });
  }

  it('stdin from a socket (Node gives its children socketpairs), alone and as - between files', async () => {
    const alone = await both([], POEM + 'piped\n');
    expect(alone.ours.stdout.equals(alone.gnu.stdout)).toBe(true);
    const mixed = await both(['nonl.txt', '-', 'poem.txt'], 'from the pipe\n');
    expect(mixed.ours.code).toBe(0);
    expect(mixed.ours.stdout.toString()).toBe('no final newlinefrom the pipe\n' + POEM);
    expect(mixed.ours.stdout.equals(mixed.gnu.stdout)).toBe(true);
  });

  it('stdin from a pipe in a shell pipeline', async () => {
    const r = await bash('cmp <(cat binary.bin | mm-cat nonl.txt - poem.txt) <(cat binary.bin | cat nonl.txt - poem.txt) && echo same');
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('same\n');
  });

  it('a terminal on stdin (read line by line until ^D), like cat', async (ctx) => {
    if (!haveCommand('script', 'to give mm-cat a terminal')) return ctx.skip();
    // Echo off, so only the tool's own output comes back through the pty.
    const viaTty = (tool: string) => bash(`(sleep 2; printf 'line one\\nline two\\n'; sleep 1; printf '\\004') | script -qec "stty -echo; ${tool}" /dev/null`);
    const ours = await viaTty('mm-cat');
    const gnu = await viaTty('cat');
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toBe('line one\r\nline two\r\n');
    expect(ours.stdout.equals(gnu.stdout)).toBe(true);
  });

  it('a regular file on stdin (mm-cat < file)', async () => {
    const r = await bash('cmp <(mm-cat < binary.bin) <(cat < binary.bin) && echo same');
    expect(r.stdout.toString()).toBe('same\n');
  });

  it('a sysfs file that reports st_size 4096', async (ctx) => {
    const f = '/sys/kernel/mm/transparent_hugepage/enabled';
    if (!existsSync(f)) {
      console.warn(`skipping: ${f} does not exist here`);
      return ctx.skip();
    }
    expect(statSync(f).size).toBe(4096);
    const { gnu, ours } = await both([f]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.length).toBeLessThan(4096);
    expect(ours.stdout.equals(gnu.stdout)).toBe(true);
  });

  it('/proc/PID/status of a sleeping process, and its own /proc/self/status', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      // Stopped, the process's status holds still between the two reads (a sleeping one's
      // context-switch counts and memory figures may move under a loaded machine).
      process.kill(sleeper.pid!, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 50));
      const { gnu, ours } = await both([`/proc/${sleeper.pid}/status`]);
      expect(ours.code).toBe(0);
      expect(ours.stdout.toString()).toMatch(/^Name:\tsleep\n/);
      expect(ours.stdout.equals(gnu.stdout)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
    // /proc/self is a different process for each tool, so compare its shape, not its bytes.
    const self = await runBin(bin, ['/proc/self/status']);
    expect(self.code).toBe(0);
    expect(self.stdout.toString()).toMatch(/^Name:\tmm-cat\n[\s\S]*\nVmRSS:\s+\d+ kB\n[\s\S]*\n$/);
  });

  it('a 5 GiB sparse file (more than one ArrayBuffer holds), data at the edges of 4 GiB', async () => {
    // Offsets past 4 GiB; the whole-file copy through windows is the library's small-window
    // test (the same boundaries in 1.25 MiB), and the bench streams the 5 GiB file.
    const r = await bash(`
      set -e -o pipefail
      printf 'head' > sparse.bin
      truncate -s 4G sparse.bin && printf 'at 4 GiB' >> sparse.bin
      truncate -s 5G sparse.bin && printf 'tail' >> sparse.bin
      mm-cat --length 4 sparse.bin; echo
      mm-cat --offset 4G --length 8 sparse.bin; echo
      mm-cat --offset 5G sparse.bin; echo
      stat -c %s sparse.bin
      rm -f sparse.bin`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`head\nat 4 GiB\ntail\n${5 * 2 ** 30 + 4}\n`);
  });
});

describe('errors, per file, like cat', () => {
  it('a missing file, a directory, and good files around them: all good bytes, one line per failure, exit 1', async () => {
    const { gnu, ours } = await both(['poem.txt', 'missing', 'dir', 'nonl.txt']);
    expect(ours.code).toBe(1);
    expect(ours.stdout.equals(gnu.stdout)).toBe(true);
    expect(ours.stderr).toBe('mm-cat: missing: No such file or directory\nmm-cat: dir: Is a directory\n');
    expect(ours.stderr).toBe(gnu.stderr.replace(/^cat:/gm, 'mm-cat:'));
  });

  it('a file it may not read: Permission denied (as an unprivileged user)', async (ctx) => {
    const nobody = asNobody('the permission test');
    if (!nobody) return ctx.skip();
    writeFileSync(at('secret'), 'secret\n', { mode: 0o600 });
    chmodSync(tmp.path, 0o755); // let the unprivileged user reach poem.txt (0644) but not secret (0600)
    const r = await runCommand('setpriv', [...nobody, process.execPath, bin, at('secret'), at('poem.txt')]);
    if (r.stderr.includes('Cannot find module') || r.stderr.includes('EACCES: permission denied')) {
      console.warn('skipping: the unprivileged user cannot load mm-cat itself here');
      return ctx.skip();
    }
    expect(r.stderr).toBe(`mm-cat: ${at('secret')}: Permission denied\n`);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.code).toBe(1);
  });

  it('input file is output file, as cat says', async () => {
    writeFileSync(at('self.txt'), 'x\n');
    const gnu = await bash('cat self.txt >> self.txt');
    const ours = await bash('mm-cat self.txt >> self.txt');
    expect(gnu.code).toBe(1);
    expect(ours.code).toBe(1);
    expect(ours.stderr).toBe(gnu.stderr.replace(/^cat:/gm, 'mm-cat:'));
    expect(readFileSync(at('self.txt'), 'utf8')).toBe('x\n');
  });

  it('bad options and bad numbers are usage errors (exit 2)', async () => {
    for (const args of [['--bogus', 'poem.txt'], ['--offset', 'ten', 'poem.txt'], ['--length', '-1', 'poem.txt'], ['--prot', 'rwx', 'poem.txt']]) {
      const r = await runBin(bin, args, { cwd: tmp.path });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toMatch(/^mm-cat: .+\nTry 'mm-cat --help' for more information\.\n$/);
    }
  });

  it('--help and --version go to stdout with exit 0', async () => {
    const help = await runBin(bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/^Usage: mm-cat \[OPTION\]\.\.\. \[FILE\]\.\.\./);
    expect(help.stdout.toString()).toContain('--read-past-end');
    const version = await runBin(bin, ['--version']);
    expect(version.stdout.toString()).toBe('0.1.0\n');
  });
});

describe('broken pipes and full disks', () => {
  it('mm-cat big | head -c 1 ends at once, quietly, with status 141', async () => {
    const r = await bash(`
      truncate -s 256M big.bin
      mm-cat big.bin | head -c 1 | od -An -tx1
      echo "status \${PIPESTATUS[0]}"
      mm-cat /dev/zero | head -c 3 | od -An -tx1
      echo "status \${PIPESTATUS[0]}"
      rm -f big.bin`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString().replace(/ +/g, ' ')).toBe(' 00\nstatus 141\n 00 00 00\nstatus 141\n');
  });

  it('stdout on a full disk: "No space left on device", exit 1, like cat', async (ctx) => {
    if (!existsSync('/dev/full')) return ctx.skip();
    const gnu = await bash('cat poem.txt > /dev/full');
    const ours = await bash('mm-cat poem.txt > /dev/full');
    const piped = await bash('echo hi | mm-cat > /dev/full');
    expect(ours.code).toBe(1);
    expect(ours.stderr).toBe('mm-cat: write error: No space left on device\n');
    expect(ours.stderr).toBe(gnu.stderr.replace(/^cat:/gm, 'mm-cat:'));
    expect(piped.code).toBe(1);
    expect(piped.stderr).toBe('mm-cat: write error: No space left on device\n');
  });
});

describe('--offset and --length', () => {
  const data = Buffer.alloc(3 * 4096 + 123);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  beforeAll(() => writeFileSync(at('range.bin'), data));

  const cases: Array<[number | string, number | string | undefined]> = [
    [0, 10], [1, 4095], [4095, 2], [4096, 4096], [5000, undefined], [data.length - 1, 100],
    [data.length, 5], [data.length + 10, undefined], [0, 0], [0, data.length + 1], ['1K', '2KiB'],
  ];
  for (const [offset, length] of cases) {
    it(`offset ${offset} length ${length ?? 'to the end'}: like tail -c +N | head -c L, from a file and from a pipe`, async () => {
      const args = ['--offset', String(offset), ...(length === undefined ? [] : ['--length', String(length)])];
      const o = typeof offset === 'string' ? 1024 : offset;
      const l = length === undefined ? undefined : typeof length === 'string' ? 2048 : length;
      const ref = await bash(`tail -c +${o + 1} range.bin${l === undefined ? '' : ` | head -c ${l}`}`);
      const file = await runBin(bin, [...args, 'range.bin'], { cwd: tmp.path });
      const pipe = await bash(`cat range.bin | mm-cat ${args.join(' ')}`);
      expect(file.code).toBe(0);
      expect(file.stdout.equals(ref.stdout)).toBe(true);
      expect(file.stdout.equals(data.subarray(Math.min(o, data.length), l === undefined ? undefined : Math.min(data.length, o + l)))).toBe(true);
      expect(pipe.code).toBe(0);
      expect(pipe.stdout.equals(ref.stdout)).toBe(true);
    });
  }

  it('applies to each FILE, including /proc files', async () => {
    const r = await runBin(bin, ['--offset', '2', '--length', '4', 'poem.txt', 'nonl.txt', '/proc/sys/kernel/ostype'], { cwd: tmp.path });
    expect(r.stdout.toString()).toBe('just' + ' fin' + 'nux\n');
  });

  it('a range deep in a 5 GiB sparse file comes out at once', async () => {
    const r = await bash(`
      truncate -s 5G deep.bin && printf 'found me' | dd of=deep.bin bs=1 seek=$((5*1024*1024*1024 - 100)) conv=notrunc status=none
      mm-cat --offset $((5*1024*1024*1024 - 100)) --length 8 deep.bin
      rm -f deep.bin`);
    expect(r.stdout.toString()).toBe('found me');
  });
});

describe('a file that shrinks while being read', () => {
  it('reports an error for that file instead of dying of SIGBUS, and goes on with the next', async () => {
    // mm-cat blocks writing its first 32 MiB window into the pipe; the reader takes 1 MiB,
    // truncates the file, then drains: the rest of the window has no pages left.
    const r = await bash(`
      head -c 100M /dev/zero | tr '\\0' 'a' > shrink.bin
      mm-cat shrink.bin poem.txt | { head -c 1M > /dev/null; truncate -s 0 shrink.bin; cat > rest.out; }
      echo "status \${PIPESTATUS[0]}"
      rm -f shrink.bin`);
    expect(r.stdout.toString()).toBe('status 1\n');
    expect(r.stderr).toMatch(/^mm-cat: shrink\.bin: file shrank to 0 bytes while being read \((Bad address|Input\/output error)\)\n$/);
    // Part of the first window made it out before the truncation; then the next file, whole.
    const rest = readFileSync(at('rest.out'));
    expect(rest.length).toBeLessThan(100 * 2 ** 20 - 2 ** 20);
    expect(rest.subarray(rest.length - POEM.length).toString()).toBe(POEM);
    expect(rest.subarray(0, rest.length - POEM.length).every((b) => b === 0x61)).toBe(true);
  });
});
