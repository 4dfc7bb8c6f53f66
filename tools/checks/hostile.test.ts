// The hostile-input suite: every tool given what a careless or malicious user (or neighbour)
// gives it. Each case checks what the user would: the exit code; stderr is one line
// `prog: …` (plus the `Try 'prog --help'` hint for usage errors) with no stack trace, no
// `fd N` and no internal names; when the command failed, every file of the fixture and every
// /dev/shm object of this suite is byte-identical afterwards; and no process is left behind.
// Unbounded inputs are run under GNU time with a timeout, and their peak RSS is bounded.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { binDir, runBash, tempDir, haveCommand, type RunResult } from '@mm/testkit';

const TOOLS = ['mm-cat', 'mm-db', 'mm-counter', 'mm-maps', 'mm-anon', 'mm-shm', 'mm-tug'] as const;
const bins = binDir();
const tmp = tempDir('mm-hostile-');
const dir = tmp.path;
/** Prefix of every /dev/shm object this suite makes (and the only ones it hashes). */
const PFX = `mmhst${process.pid}x${Math.random().toString(36).slice(2, 7)}`;
const OBJ = `${PFX}_obj`;
const haveTime = existsSync('/usr/bin/time');

/** Removes this suite's /dev/shm entries (names read as bytes: some are not UTF-8), except `keep`. */
function removeShm(keep?: string): void {
  for (const n of readdirSync('/dev/shm', { encoding: 'buffer' })) {
    const name = n.toString('latin1');
    if (name.startsWith(PFX) && name !== keep) rmSync(Buffer.concat([Buffer.from('/dev/shm/'), n]), { recursive: true, force: true });
  }
}

afterAll(() => {
  removeShm();
  tmp.cleanup();
  bins.cleanup();
});

function sh(script: string, timeoutMs = 30_000): Promise<RunResult> {
  // The cd is a command of its own: `cd DIR && cmd & p=$!` would background the cd with the
  // command in a subshell (so $p is the subshell, and the script's own cwd stays elsewhere).
  return runBash(`cd '${dir}' || exit 125\n${script}`, { env: bins.env, timeoutMs });
}

/** Hash of every fixture file and every /dev/shm object of this suite (name → sha1 or kind). */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (base: string, label: string): void => {
    for (const n of readdirSync(base, { encoding: 'buffer' })) {
      const name = n.toString('latin1');
      if (base === '/dev/shm' && !name.startsWith(PFX)) continue;
      const p = Buffer.concat([Buffer.from(base + '/'), n]);
      const st = lstatSync(p);
      const key = `${label}/${name}`;
      if (st.isDirectory()) {
        out.set(key, 'dir');
        walk(p.toString(), key);
      } else if (st.isSymbolicLink()) out.set(key, `-> ${readlinkSync(p)}`);
      else if (st.isFile()) out.set(key, `${st.mode.toString(8)} ${createHash('sha1').update(readFileSync(p)).digest('hex')}`);
      else out.set(key, `special ${st.mode.toString(8)}`);
    }
  };
  walk(dir, 'tmp');
  walk('/dev/shm', 'shm');
  return out;
}

/** Processes whose command line mentions this suite's temp dir or shm prefix. */
function leftovers(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      // Tools set process.title, which overwrites their arguments: the working directory
      // tells this suite's processes too.
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process, or gone
      }
      if (cmd.includes(PFX) || cmd.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
    } catch {
      // gone
    }
  }
  return found;
}

async function noneLeft(): Promise<void> {
  for (let i = 0; i < 50 && leftovers().length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(leftovers()).toEqual([]);
}

const INTERNAL = /\bfd \d+\b|^\s+at |forEachWindow|openMapping|mapOpenFd|binding|ERR_[A-Z_]+|\bE[A-Z]{3,}: [a-z]|SystemError|MmError|TypeError|undefined|\[object |node:internal|\.js:\d+/m;

/**
 * stderr is `prog: message` on one line; with `usage`, followed by the help hint. Returns
 * the message (after `prog: `).
 */
function oneLine(prog: string, stderr: string, usage = false): string {
  const lines = stderr.split('\n');
  expect(lines.pop(), `stderr ends with a newline: ${JSON.stringify(stderr)}`).toBe('');
  expect(lines.length, `stderr: ${JSON.stringify(stderr)}`).toBe(usage ? 2 : 1);
  expect(lines[0].startsWith(`${prog}: `), lines[0]).toBe(true);
  if (usage) expect(lines[1]).toBe(`Try '${prog} --help' for more information.`);
  expect(lines[0]).not.toMatch(INTERNAL);
  return lines[0].slice(prog.length + 2);
}

interface Case {
  /** What is tried. */
  name: string;
  /** The tool whose message is checked. */
  prog: (typeof TOOLS)[number];
  /** bash run in the fixture dir, with the tools on PATH. */
  script: string;
  /** Expected exit status. */
  code: number;
  /** The message after `prog: ` (a string must match exactly). */
  message: string | RegExp;
  /** A usage error: message line plus the help hint. */
  usage?: boolean;
  /** Files or objects may change (the command did something before failing, e.g. printed). */
  changes?: boolean;
  /** Extra checks after the run. */
  after?: (r: RunResult) => void | Promise<void>;
}

async function check(c: Case): Promise<RunResult> {
  const before = snapshot();
  const r = await sh(c.script);
  expect(r.signal, 'no signal death').toBe(null);
  expect(r.code, `${c.script}\nstderr: ${r.stderr}`).toBe(c.code);
  const msg = oneLine(c.prog, r.stderr, c.usage);
  if (typeof c.message === 'string') expect(msg).toBe(c.message);
  else expect(msg).toMatch(c.message);
  if (c.code !== 0 && !c.changes) expect(snapshot()).toEqual(before);
  await noneLeft();
  await c.after?.(r);
  return r;
}

function cases(title: string, list: Case[]): void {
  describe(title, () => {
    for (const c of list) it(`${c.prog}: ${c.name}`, () => check(c));
  });
}

beforeAll(async () => {
  writeFileSync(join(dir, 'f'), 'hello\nworld\n');
  writeFileSync(join(dir, 'two'), Buffer.from([7, 1]));
  writeFileSync(join(dir, 'c'), Buffer.from([5, 0, 0, 0]));
  mkdirSync(join(dir, 'dir'));
  const r = await sh(`mkfifo fifo && mm-db add p.db id=1 name=Ann age=30 >/dev/null && mm-db add p.db id=2 name=Bob age=40 >/dev/null && mm-shm create ${OBJ} --size 100 && printf 'shm bytes' | mm-shm write ${OBJ}`);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

// A failed command must not have touched the fixture; put back what a passing one changed.
beforeEach(() => removeShm(OBJ));

/** bash that waits (up to 20 s) until `cond` holds: a tool is ready before it is signalled. */
function until(cond: string): string {
  return `for i in $(seq 200); do ${cond} && break; sleep 0.1; done`;
}

const WRITE_FULL = 'write error: No space left on device';
const WRITE_BADF = 'write error: Bad file descriptor';

describe('every tool: --help and --version into a full disk or a closed stdout', () => {
  for (const tool of TOOLS) {
    for (const flag of ['--help', '--version']) {
      it(`${tool} ${flag} > /dev/full`, () => check({ name: '', prog: tool, script: `${tool} ${flag} > /dev/full`, code: 1, message: WRITE_FULL }));
      it(`${tool} ${flag} >&-`, () => check({ name: '', prog: tool, script: `${tool} ${flag} >&-`, code: 1, message: WRITE_BADF }));
    }
  }
});

cases('output into a full disk (/dev/full): write error, exit 1', [
  { name: 'cat a file', prog: 'mm-cat', script: 'mm-cat f > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'cat a pipe', prog: 'mm-cat', script: 'printf abc | mm-cat > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'list', prog: 'mm-db', script: 'mm-db list p.db > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'schema', prog: 'mm-db', script: 'mm-db schema > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'count', prog: 'mm-counter', script: 'mm-counter c -n 10 > /dev/full', code: 1, message: WRITE_FULL, changes: true },
  { name: 'own maps', prog: 'mm-maps', script: 'mm-maps > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'ls', prog: 'mm-shm', script: 'mm-shm ls > /dev/full', code: 1, message: WRITE_FULL },
  { name: 'stat', prog: 'mm-shm', script: `mm-shm stat ${OBJ} > /dev/full`, code: 1, message: WRITE_FULL },
  { name: 'read', prog: 'mm-shm', script: `mm-shm read ${OBJ} > /dev/full`, code: 1, message: WRITE_FULL },
  { name: 'demo', prog: 'mm-tug', script: `mm-tug demo --name ${PFX}_tug --limit 1M > /dev/full`, code: 1, message: WRITE_FULL },
  { name: 'the child cannot write', prog: 'mm-anon', script: 'printf hi | mm-anon --delay 10 > /dev/full', code: 1, message: WRITE_FULL },
]);

cases('a closed stdout (>&-): Bad file descriptor, exit 1, as GNU cat', [
  { name: 'cat a file', prog: 'mm-cat', script: 'mm-cat f >&-', code: 1, message: WRITE_BADF },
  { name: 'cat a pipe', prog: 'mm-cat', script: 'printf abc | mm-cat >&-', code: 1, message: WRITE_BADF },
  { name: 'list', prog: 'mm-db', script: 'mm-db list p.db >&-', code: 1, message: WRITE_BADF },
  { name: 'count', prog: 'mm-counter', script: 'mm-counter c -n 3 >&-', code: 1, message: WRITE_BADF, changes: true },
  { name: 'maps', prog: 'mm-maps', script: 'mm-maps >&-', code: 1, message: WRITE_BADF },
  { name: 'ls', prog: 'mm-shm', script: 'mm-shm ls >&-', code: 1, message: WRITE_BADF },
  { name: 'read', prog: 'mm-shm', script: `mm-shm read ${OBJ} >&-`, code: 1, message: WRITE_BADF },
  { name: 'the child cannot write', prog: 'mm-anon', script: 'printf hi | mm-anon --delay 10 >&-', code: 1, message: WRITE_BADF },
]);

describe("a spawner's /dev/null is not a closed descriptor (the installed bin asks /bin/sh)", () => {
  const catBin = fileURLToPath(new URL('../../packages/mm-cat/bin/mm-cat.cjs', import.meta.url));
  it("Node's stdio 'ignore' on stdin and stdout: mm-cat prints into it and exits 0", () => {
    const r = spawnSync(catBin, [join(dir, 'f')], { stdio: ['ignore', 'ignore', 'pipe'] });
    expect([r.status, r.signal, r.stderr.toString()]).toEqual([0, null, '']);
  });
  it("Python's subprocess.DEVNULL (read-write /dev/null) on stdin and stdout: exit 0", (ctx) => {
    if (!haveCommand('python3', "for Python's DEVNULL")) return ctx.skip('python3 is not installed');
    const py = `import subprocess as s, sys; r = s.run([sys.argv[1], sys.argv[2]], stdin=s.DEVNULL, stdout=s.DEVNULL, stderr=s.PIPE); print(r.returncode, repr(r.stderr))`;
    const r = spawnSync('python3', ['-c', py, catBin, join(dir, 'f')]);
    expect(r.stdout.toString()).toBe("0 b''\n");
  });
  it('the same bin with stdout or stdin really closed: Bad file descriptor, exit 1', async () => {
    const out = await sh(`'${catBin}' f >&-`);
    expect([out.code, out.stderr]).toEqual([1, `mm-cat: ${WRITE_BADF}\n`]);
    const inp = await sh(`'${catBin}' <&-`);
    expect([inp.code, inp.stderr]).toEqual([1, 'mm-cat: -: Bad file descriptor\n']);
  });
});

cases('a closed stdin (<&-): Bad file descriptor, exit 1; nothing created', [
  { name: 'cat stdin', prog: 'mm-cat', script: 'mm-cat <&-', code: 1, message: '-: Bad file descriptor' },
  { name: 'cat - between files', prog: 'mm-cat', script: 'mm-cat f - f <&- > out; r=$?; cmp -s out <(cat f f) && rm out && exit $r', code: 1, message: '-: Bad file descriptor' },
  { name: 'import from stdin', prog: 'mm-db', script: 'mm-db import new.db <&-', code: 1, message: 'stdin: Bad file descriptor' },
  { name: 'count on -', prog: 'mm-counter', script: 'mm-counter - <&-', code: 1, message: '-: Bad file descriptor' },
  { name: 'input from stdin', prog: 'mm-anon', script: 'mm-anon <&-', code: 1, message: '-: Bad file descriptor' },
  { name: 'write from stdin', prog: 'mm-shm', script: `mm-shm write ${PFX}_new <&-`, code: 1, message: 'stdin: Bad file descriptor' },
]);

describe('mm-cat: stdin is read from its offset and left at the end, as cat does', () => {
  it('a line already read is not printed again', async () => {
    const r = await sh('{ read l; mm-cat; } < f');
    expect(r.stdout.toString()).toBe('world\n');
    expect(r.code).toBe(0);
  });
  it('a following cat finds stdin at its end', async () => {
    const r = await sh('{ mm-cat; cat; } < f');
    expect(r.stdout.toString()).toBe('hello\nworld\n');
  });
  it('- - prints the file once', async () => {
    const r = await sh('mm-cat - - < f');
    expect(r.stdout.toString()).toBe('hello\nworld\n');
  });
  it('--length leaves stdin right after the bytes printed', async () => {
    const r = await sh('{ mm-cat --length 3; echo; cat; } < f');
    expect(r.stdout.toString()).toBe('hel\nlo\nworld\n');
  });
});

describe('unbounded input: refused or streamed, peak memory under 200 MiB', () => {
  const peak = async (script: string): Promise<{ r: RunResult; kib: number }> => {
    const out = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
    const r = await sh(`timeout -s KILL 60 /usr/bin/time -q -f %M -o '${out}' ${script}`, 90_000);
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    rmSync(out);
    return { r, kib };
  };
  const LIMIT = 200 * 1024;
  it('mm-db schema --struct-file /dev/zero', async (ctx) => {
    if (!haveTime) ctx.skip(true, "GNU time (/usr/bin/time) is not installed");
    const { r, kib } = await peak('mm-db schema --struct-file /dev/zero');
    expect(r.code).toBe(1);
    expect(oneLine('mm-db', r.stderr)).toBe('/dev/zero: not a regular file (a --struct-file must be a header file)');
    expect(kib).toBeLessThan(LIMIT);
  });
  it('mm-db schema --struct-file of 5 MiB is refused with the limit', async () => {
    await check({ name: '', prog: 'mm-db', script: 'head -c 5M /dev/zero > big.h; mm-db schema --struct-file big.h; r=$?; rm big.h; exit $r', code: 1, message: 'big.h: 5242880 bytes is too large for a --struct-file (at most 1 MiB)' });
  });
  it('mm-db import x.db /dev/zero: no line end, refused at 1 MiB, no file left', async (ctx) => {
    if (!haveTime) ctx.skip(true, "GNU time (/usr/bin/time) is not installed");
    const { r, kib } = await peak('mm-db import x.db /dev/zero');
    expect(r.code).toBe(1);
    expect(oneLine('mm-db', r.stderr)).toBe('/dev/zero: line 1: longer than 1048576 bytes (1 MiB), the longest line import reads');
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
    expect(kib).toBeLessThan(LIMIT);
  });
  it('mm-db import of 2 million records from a pipe streams (all stored, memory bounded)', async (ctx) => {
    if (!haveTime) ctx.skip(true, "GNU time (/usr/bin/time) is not installed");
    const { r, kib } = await peak(`bash -c "yes '{\\"age\\":7}' | head -n 2000000 | mm-db import s.db"`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, 's.db')).size).toBe(2_000_000 * 40);
    rmSync(join(dir, 's.db'));
    expect(kib).toBeLessThan(LIMIT);
  });
  it('mm-db import: a bad last line after a million good ones leaves the file as it was', async () => {
    await check({ name: '', prog: 'mm-db', script: `{ yes '{"age":1}' | head -n 1000000; echo '{"age":x}'; } | mm-db import p.db`, code: 1, message: "stdin: line 1000001: invalid JSON: unexpected 'x' (column 8)" });
  });
  it('mm-cat /dev/zero | head -c 300M: streamed in bounded memory, quiet on EPIPE', async (ctx) => {
    if (!haveTime) ctx.skip(true, "GNU time (/usr/bin/time) is not installed");
    const { r, kib } = await peak(`bash -c "mm-cat /dev/zero | head -c 300M | wc -c"`);
    expect(r.stdout.toString().trim()).toBe(String(300 * 1024 * 1024));
    expect(r.stderr).toBe('');
    expect(kib).toBeLessThan(LIMIT);
  });
});

cases('bytes are not text: refused, never replaced by U+FFFD', [
  { name: 'a field value that is not UTF-8', prog: 'mm-db', script: "mm-db add p.db name=$'\\xff\\xfe\\x80'", code: 2, usage: true, message: "argument 'name=\\xff\\xfe\\x80' is not valid UTF-8; mm tools take names and values as UTF-8 text" },
  { name: 'create a name that is not UTF-8', prog: 'mm-shm', script: `mm-shm create $'${PFX}\\xff\\xfe'`, code: 2, usage: true, message: `argument '${PFX}\\xff\\xfe' is not valid UTF-8; mm tools take names and values as UTF-8 text` },
  { name: 'rm a name that is not UTF-8', prog: 'mm-shm', script: `mm-shm rm $'${PFX}\\xff'`, code: 2, usage: true, message: /^argument '.*\\xff' is not valid UTF-8/ },
  { name: 'a file name that is not UTF-8', prog: 'mm-cat', script: "mm-cat $'\\xff'", code: 2, usage: true, message: "argument '\\xff' is not valid UTF-8; mm tools take names and values as UTF-8 text" },
]);

describe('bytes are carried losslessly where they are data', () => {
  it('mm-db: raw bytes in NDJSON survive export | import byte for byte', async () => {
    const r = await sh(`printf '{"name":"\\xff\\xfe\\x80","age":3}\\n{"name":"caf\\xc3\\xa9"}\\n' | mm-db import r1.db && mm-db export r1.db | mm-db import r2.db && cmp r1.db r2.db && mm-db export r1.db | head -1; rm -f r1.db r2.db`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('{"id":0,"name":"\\udcff\\udcfe\\udc80","age":3}\n');
  });
  it('mm-shm ls lists a non-UTF-8 name and a name with a newline, escaped, one line each; a symlink as the link it is, never followed', async () => {
    writeFileSync(Buffer.from(`/dev/shm/${PFX}_\xff\xfe`, 'latin1'), 'ab');
    writeFileSync(`/dev/shm/${PFX}_a\nb`, 'abc');
    symlinkSync('/etc/passwd', `/dev/shm/${PFX}_link`);
    const r = await sh(`mm-shm ls | grep ${PFX}_ | awk '{ if ($2 == "->") print $1, $2, $3; else print $1 }'; mm-shm ls --json | grep ${PFX}_link | grep -c '"link":"/etc/passwd"'`);
    expect(r.stdout.toString()).toBe(`${PFX}_a\\nb\n${PFX}_link -> /etc/passwd\n${OBJ}\n${PFX}_\\xff\\xfe\n1\n`);
  });
});

describe('signals: INT, TERM and HUP stop a run the same way and clean up', () => {
  for (const [sig, code] of [['INT', 130], ['TERM', 143], ['HUP', 129]] as const) {
    it(`mm-shm arbiter on SIG${sig}: exit ${code}, its object removed`, async () => {
      const name = `${PFX}_arb`;
      const r = await sh(`set -m; mm-shm arbiter --name ${name} --pause 100 --interval 100 --steps 100 < /dev/null > /dev/null & p=$!; ${until(`test -e /dev/shm/${name}`)}; kill -${sig} $p; wait $p; echo $?; test -e /dev/shm/${name} && echo left`);
      expect(r.stdout.toString()).toBe(`${code}\n`);
      await noneLeft();
    });
    it(`(printf abc; sleep) | mm-shm write on SIG${sig}: exit ${code}, the new object removed`, async () => {
      const name = `${PFX}_w`;
      const r = await sh(`set -m; (printf abc; sleep 5) | mm-shm write ${name} & p=$!; ${until(`test -e /dev/shm/${name}`)}; sleep 0.2; kill -${sig} $p; wait $p; echo $?; test -e /dev/shm/${name} && echo left; kill %1 2>/dev/null; wait`);
      expect(r.stdout.toString()).toBe(`${code}\n`);
      await noneLeft();
    });
  }
  it('mm-shm write into an existing object, stopped: the object keeps its size', async () => {
    const r = await sh(`set -m; s=$(stat -c %s /dev/shm/${OBJ}); (head -c 1000 /dev/zero; sleep 5) | mm-shm write ${OBJ} --offset $s & p=$!; ${until('test "$(awk \'/^rchar/ {print $2}\' /proc/$p/io)" -gt 1000')}; sleep 0.3; kill -HUP $p; wait $p; echo $?; test $(stat -c %s /dev/shm/${OBJ}) = $s && echo same; kill %1 2>/dev/null; wait`);
    expect(r.stdout.toString()).toBe('129\nsame\n');
  });
  for (const [tool, cmd, ready] of [
    ['mm-tug', `mm-tug arbiter --name ${PFX}_tug --timeout 30`, `test -e /dev/shm/${PFX}_tug`],
    ['mm-counter', 'mm-counter hup.cnt -n 1e12 --sync atomic', 'test -s hup.cnt && test "$(od -An -tu4 hup.cnt | tr -d " ")" != 0'],
    ['mm-maps', 'mm-maps --wait f', 'grep -q waiting m.err'],
  ] as const) {
    it(`${tool} on SIGHUP: exit 129, nothing left behind`, async () => {
      const r = await sh(`set -m; ${cmd} > /dev/null 2> m.err & p=$!; ${until(ready)}; kill -HUP $p; wait $p; echo $?; ls /dev/shm | grep -c ${PFX}_tug; kill -9 $p 2>/dev/null; rm -f hup.cnt m.err`);
      expect(r.stdout.toString()).toBe('129\n0\n');
      await noneLeft();
    });
  }
});

cases('messages name the user\'s thing, never a descriptor or an internal', [
  { name: 'a FIFO as database', prog: 'mm-db', script: 'mm-db list fifo', code: 1, message: 'fifo: not a regular file (a database is a file of records, which a pipe or device cannot be)' },
  { name: '/dev/zero as database', prog: 'mm-db', script: 'mm-db list /dev/zero', code: 1, message: '/dev/zero: not a regular file (a database is a file of records, which a pipe or device cannot be)' },
  { name: '/dev/null as database', prog: 'mm-db', script: 'mm-db count /dev/null', code: 1, message: '/dev/null: not a regular file (a database is a file of records, which a pipe or device cannot be)' },
  { name: 'a directory as database', prog: 'mm-db', script: 'mm-db list dir', code: 1, message: 'dir: Is a directory' },
  { name: 'a directory with --force', prog: 'mm-db', script: 'mm-db list dir --force', code: 1, message: 'dir: Is a directory' },
  { name: 'add to a directory', prog: 'mm-db', script: 'mm-db add dir age=1', code: 1, message: 'dir: Is a directory' },
  { name: 'a mistyped command', prog: 'mm-db', script: 'mm-db frobnicate p.db', code: 2, usage: true, message: "unknown command 'frobnicate' (commands: list, get, add, set, del, count, import, export, schema)" },
  { name: 'import from a directory', prog: 'mm-db', script: 'mm-db import p.db dir', code: 1, message: 'dir: Is a directory' },
  { name: '--upcase on stdin opened read-only', prog: 'mm-cat', script: 'mm-cat --upcase - < f', code: 1, message: '-: Permission denied (stdin is not open for writing; give the file by name)', changes: true },
  { name: 'a directory', prog: 'mm-cat', script: 'mm-cat dir', code: 1, message: 'dir: Is a directory' },
  { name: 'a missing file between good ones', prog: 'mm-cat', script: 'mm-cat f nope f > /dev/null', code: 1, message: 'nope: No such file or directory' },
  { name: 'a directory as stdin of write', prog: 'mm-shm', script: `mm-shm write ${PFX}_new < dir`, code: 1, message: 'stdin: Is a directory' },
  { name: 'a pipe on -', prog: 'mm-counter', script: 'echo | mm-counter -', code: 1, message: "-: stdin is not a regular file (the counter lives in a file that can be mapped; give one with 'mm-counter - <>FILE')" },
  { name: 'a directory', prog: 'mm-counter', script: 'mm-counter dir', code: 1, message: 'dir: Is a directory' },
  { name: 'a directory where the game object goes (arbiter)', prog: 'mm-tug', script: `mkdir /dev/shm/${PFX}_d; mm-tug arbiter --name ${PFX}_d --timeout 1; r=$?; rmdir /dev/shm/${PFX}_d; exit $r`, code: 1, message: `${PFX}_d: Is a directory` },
  { name: 'a directory where the game object goes (player)', prog: 'mm-tug', script: `mkdir /dev/shm/${PFX}_d; mm-tug left --name ${PFX}_d --timeout 1; r=$?; rmdir /dev/shm/${PFX}_d; exit $r`, code: 1, message: `${PFX}_d: Is a directory` },
  { name: 'a missing object', prog: 'mm-shm', script: `mm-shm read ${PFX}_none`, code: 1, message: `${PFX}_none: No such file or directory` },
  { name: 'a missing input file', prog: 'mm-anon', script: 'mm-anon nope', code: 1, message: 'nope: No such file or directory' },
  { name: 'a directory as input', prog: 'mm-anon', script: 'mm-anon dir', code: 1, message: /^dir: / },
  { name: 'a process that does not exist', prog: 'mm-maps', script: 'mm-maps -p 999999999', code: 1, message: 'PID 999999999: no such process' },
]);

cases('usage errors: exit 2, one reason and the hint', [
  { name: 'malformed --schema', prog: 'mm-db', script: "mm-db list p.db --schema 'id:u99'", code: 2, usage: true, message: /^--schema: column 4 \('u99'\): unknown type/ },
  { name: 'malformed --struct', prog: 'mm-db', script: "mm-db list p.db --struct 'struct {'", code: 2, usage: true, message: "--struct: at the end: struct not closed (missing '}')" },
  { name: 'hex field value', prog: 'mm-db', script: 'mm-db add p.db age=0x10', code: 1, message: "age: '0x10' is not a number" },
  { name: 'blank in a field value', prog: 'mm-db', script: "mm-db add p.db 'age= 5'", code: 1, message: "age: ' 5' is not a number" },
  { name: 'hex index', prog: 'mm-db', script: 'mm-db get p.db 0x1', code: 2, usage: true, message: /^invalid index '0x1'/ },
  { name: 'blank in --offset', prog: 'mm-cat', script: "mm-cat --offset ' 5' f", code: 2, usage: true, message: /invalid offset: ' 5'/ },
  { name: 'blank before a unit', prog: 'mm-shm', script: `mm-shm create ${PFX}_n --size '4 K'`, code: 2, usage: true, message: /invalid size: '4 K'/ },
  { name: 'negative length', prog: 'mm-cat', script: 'mm-cat --length -1 f', code: 2, usage: true, message: /invalid length: '-1'/ },
  { name: 'hex pid', prog: 'mm-maps', script: 'mm-maps -p 0x10', code: 2, usage: true, message: /invalid PID: '0x10'/ },
  { name: 'empty pid ($PID unset)', prog: 'mm-maps', script: "mm-maps -p ''", code: 2, usage: true, message: /invalid PID: ''/ },
  { name: 'a pid list with a hole', prog: 'mm-maps', script: 'mm-maps -p 1,,2', code: 2, usage: true, message: /invalid PID: '1,,2'/ },
  { name: 'blank in a count', prog: 'mm-counter', script: "mm-counter c -n ' 5'", code: 2, usage: true, message: /invalid/ },
  { name: 'count too large', prog: 'mm-counter', script: 'mm-counter c -n 1e100', code: 2, usage: true, message: /invalid/ },
  { name: 'a signal beyond SIGRTMAX', prog: 'mm-anon', script: 'mm-anon --signal 65 f', code: 2, usage: true, message: 'invalid --signal: unknown signal: 65' },
  { name: 'an unknown signal name', prog: 'mm-anon', script: 'mm-anon --signal SIGNOPE f', code: 2, usage: true, message: 'invalid --signal: unknown signal: SIGNOPE' },
  { name: 'a timeout beyond the range', prog: 'mm-tug', script: 'mm-tug arbiter --timeout 3000000', code: 2, usage: true, message: /\(seconds, more than 0 and at most 86400, e\.g\. 10 or 0\.5\)$/ },
  { name: 'a zero timeout', prog: 'mm-tug', script: 'mm-tug left --timeout 0', code: 2, usage: true, message: /invalid timeout: '0'/ },
  { name: 'setuid/setgid/sticky bits', prog: 'mm-shm', script: `mm-shm create ${PFX}_m --mode 07777`, code: 2, usage: true, message: /invalid mode: '07777' \(permission bits only, 0000 to 0777\)/ },
  { name: 'a name with a slash inside', prog: 'mm-shm', script: 'mm-shm create a/b', code: 2, usage: true, message: /a\/b/ },
  { name: 'an empty name', prog: 'mm-shm', script: "mm-shm create ''", code: 2, usage: true, message: /name/ },
  { name: 'a name too long', prog: 'mm-shm', script: `mm-shm create ${'n'.repeat(300)}`, code: 2, usage: true, message: /name/ },
  { name: 'an unknown option', prog: 'mm-cat', script: 'mm-cat --frob f', code: 2, usage: true, message: "unknown option '--frob'" },
  { name: 'an unknown subcommand', prog: 'mm-shm', script: 'mm-shm frob', code: 2, usage: true, message: /unknown command 'frob'/ },
  { name: 'an unknown subcommand', prog: 'mm-tug', script: 'mm-tug frob', code: 2, usage: true, message: /unknown command 'frob'/ },
]);

describe('accepted on purpose', () => {
  it('mm-anon --signal 34 (SIGRTMIN) and SIGRTMIN+1 are real signals', async () => {
    for (const s of ['34', 'SIGRTMIN+1', 'RTMAX']) {
      const r = await sh(`printf hi | mm-anon --delay 10 --signal ${s}`);
      expect(r.stderr, s).toBe('');
      expect(r.stdout.toString(), s).toBe('hi');
      expect(r.code, s).toBe(0);
    }
  });
});

cases('decided and documented: refuse rather than silently change', [
  { name: 'create --size smaller than an existing object', prog: 'mm-shm', script: `mm-shm create ${OBJ} --size 10`, code: 1, message: new RegExp(`^${OBJ}: exists and holds \\d+ bytes; --size 10 would cut it \\(mm-shm write --truncate cuts on purpose\\)$`) },
  { name: 'a non-empty file shorter than the counter', prog: 'mm-counter', script: 'mm-counter two -n 1', code: 1, message: 'two: 2 bytes, shorter than a 32-bit counter (4 bytes); not a counter file? (an empty file starts at 0)' },
  { name: 'a short file for a 64-bit counter', prog: 'mm-counter', script: 'mm-counter c --width 64 -n 1', code: 1, message: 'c: 4 bytes, shorter than a 64-bit counter (8 bytes); not a counter file? (an empty file starts at 0)' },
  { name: 'a record index past the end', prog: 'mm-db', script: 'mm-db get p.db 5', code: 1, message: /5/ },
  { name: 'an unknown field', prog: 'mm-db', script: 'mm-db add p.db colour=red', code: 1, message: "unknown field 'colour' (fields: id, name, age)" },
  { name: 'text longer than its field', prog: 'mm-db', script: `mm-db add p.db name=${'x'.repeat(40)}`, code: 1, message: /longer than char\[32\]/ },
  { name: 'an --offset beyond 2^53', prog: 'mm-shm', script: `mm-shm write ${OBJ} --offset 1e30 < f`, code: 2, usage: true, message: /invalid offset: '1e30' is too large/ },
]);

describe('hostile neighbours', () => {
  it('mm-db del while list runs: list prints whole records only and exits 0', async () => {
    const r = await sh(`yes '{"name":"neighbour","age":9}' | head -n 100000 | mm-db import n.db; (for i in $(seq 20); do mm-db del n.db $((RANDOM % 1000)) || exit 9; done) & for i in 1 2 3; do mm-db list n.db --json | grep -vc '^{"id":0,"name":"neighbour","age":9}$'; done; wait $!; echo "del $?"; rm -f n.db`);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('0\n0\n0\ndel 0\n');
  });
  it('two mm-shm arbiters on one name with --exclusive: the second says so, the first finishes', async () => {
    const name = `${PFX}_two`;
    const r = await sh(`mm-shm arbiter --name ${name} --exclusive --pause 50 --interval 50 --steps 30 < /dev/null > /dev/null & p=$!; ${until(`test -e /dev/shm/${name}`)}; mm-shm arbiter --name ${name} --exclusive --pause 0 --steps 0 < /dev/null > /dev/null; echo "second $?"; wait $p; echo "first $?"; test -e /dev/shm/${name} && echo left`);
    expect(r.stdout.toString()).toBe('second 1\nfirst 0\n');
    expect(oneLine('mm-shm', r.stderr)).toBe(`${name}: already exists`);
    await noneLeft();
  });
  it('two mm-tug arbiters on one name: the second refuses, the first still runs and stops on TERM', async () => {
    const name = `${PFX}_tug2`;
    const r = await sh(`mm-tug arbiter --name ${name} --timeout 20 > /dev/null 2>&1 & p=$!; ${until(`test -e /dev/shm/${name}`)}; mm-tug arbiter --name ${name} --timeout 1 > /dev/null; echo "second $?"; test -e /dev/shm/${name} && echo kept; kill -TERM $p; wait $p; echo "first $?"; mm-shm rm -f ${name}`);
    expect(r.stdout.toString()).toBe('second 1\nkept\nfirst 143\n');
    expect(oneLine('mm-tug', r.stderr)).toMatch(new RegExp(`^${name}: File exists \\(a game is on`));
    await noneLeft();
  });
  it('kill -9 of mm-shm arbiter leaves its object (nothing can clean up); rm removes it', async () => {
    const name = `${PFX}_k9`;
    const r = await sh(`mm-shm arbiter --name ${name} --pause 100 --interval 100 --steps 100 < /dev/null > /dev/null & p=$!; ${until(`test -e /dev/shm/${name}`)}; kill -9 $p; wait $p; echo $?; mm-shm read ${name} | head -c 5; echo; mm-shm rm ${name}; echo $?`);
    expect(r.stdout.toString()).toMatch(/^137\n.{0,5}\n0\n$/);
    await noneLeft();
  });
  it('kill -9 of mm-tug arbiter: the players notice, exit 1 with one line each, none left running', async () => {
    const name = `${PFX}_tk9`;
    const r = await sh(`mm-tug arbiter --name ${name} --timeout 20 --limit 1000000000 > /dev/null & a=$!; ${until(`test -e /dev/shm/${name}`)}; mm-tug left --name ${name} --timeout 5 > /dev/null 2> l.err & l=$!; mm-tug right --name ${name} --timeout 5 > /dev/null 2> r.err & q=$!; ${until(`test -e /dev/shm/${name}`)}; sleep 1.5; kill -9 $a; wait $l; echo "left $?"; wait $q; echo "right $?"; cat l.err r.err; rm -f l.err r.err; mm-shm rm -f ${name}`, 60_000);
    const out = r.stdout.toString().split('\n');
    expect(out[0]).toMatch(/^left [01]$/);
    expect(out[1]).toMatch(/^right [01]$/);
    for (const line of out.slice(2).filter(Boolean)) expect(line).toMatch(/^mm-tug: /);
    await noneLeft();
  });
  it('kill -9 of mm-counter: the file holds a whole count no larger than asked', async () => {
    const r = await sh(`rm -f k.cnt; mm-counter k.cnt -n 1e12 --sync atomic > /dev/null & p=$!; ${until('test -s k.cnt && test "$(od -An -tu4 k.cnt | tr -d " ")" != 0')}; kill -9 $p; wait $p; echo $?; stat -c %s k.cnt; mm-counter k.cnt --get; rm -f k.cnt`);
    const [code, size, value] = r.stdout.toString().trim().split('\n');
    expect(code).toBe('137');
    expect(size).toBe('4');
    expect(Number(value)).toBeGreaterThan(0);
    await noneLeft();
  });
  it('kill -9 of mm-anon: its forked child goes too', async () => {
    const r = await sh(`mm-anon --delay 20000 f > /dev/null & p=$!; ${until('test -n "$(pgrep -P $p)"')}; kill -9 $p; wait $p; echo $?`);
    expect(r.stdout.toString()).toBe('137\n');
    await noneLeft();
  });
  it('kill -9 of mm-maps --wait: nothing left', async () => {
    const r = await sh(`mm-maps --wait f > /dev/null 2> m.err & p=$!; ${until('grep -q waiting m.err')}; kill -9 $p; wait $p; echo $?; rm -f m.err`);
    expect(r.stdout.toString()).toBe('137\n');
    await noneLeft();
  });
  it('mm-cat on a file truncated while it is written out: one line naming the file, exit 1', async () => {
    const r = await sh(`head -c 64M /dev/zero > big; mkfifo pp; { exec 3<pp; sleep 30 & s=$!; echo $s > slow.pid; wait $s; cat <&3 > /dev/null; } & mm-cat big > pp 2> err & c=$!; ${until('test "$(awk \'/^wchar/ {print $2}\' /proc/$c/io)" -gt 60000')}; : > big; kill $(cat slow.pid); wait $c; echo "exit $?" >> err; wait; cat err; rm -f big err pp slow.pid`);
    expect(r.stdout.toString()).toBe('mm-cat: big: file shrank to 0 bytes while being read (Bad address)\nexit 1\n');
  });
});
