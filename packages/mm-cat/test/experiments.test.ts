// The lab's experiments as flags: what each one prints, what it does to the file on disk, and
// the exit status — 128+signal where the lab's C program would have died, checked against a
// real C program where a compiler is available.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pageSize as pageSizeOf } from '@mm/core';
import { binPath, haveCommand, runBash, runBin, runCommand, tempDir } from '@mm/testkit';
const pageSize = pageSizeOf();

const bin = binPath('mm-cat');
const tmp = tempDir('mm-cat-exp-');
const poem = join(tmp.path, 'poem.txt');
const POEM = 'I just love\nsharing memories\nwith other processes\n';
const run = (...args: string[]) => runBin(bin, args, { cwd: tmp.path });

beforeEach(() => writeFileSync(poem, POEM));
afterAll(() => tmp.cleanup());

describe('--upcase, --private, --prot', () => {
  it('--upcase prints the file, then uppercases it on disk through the shared mapping', async () => {
    const r = await run('--upcase', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toBe('');
    expect(readFileSync(poem, 'utf8')).toBe(POEM.toUpperCase());
  });

  it('--private --upcase leaves the file untouched and says so', async () => {
    const r = await run('--private', '--upcase', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toBe('mm-cat: poem.txt: uppercased 41 letters in a private (copy-on-write) mapping: only this process saw them; the file on disk is unchanged\n');
    expect(readFileSync(poem, 'utf8')).toBe(POEM);
  });

  it('--prot r --upcase: the store into a read-only mapping is a SIGSEGV (139); the file is unchanged', async () => {
    const r = await run('--prot', 'r', '--upcase', 'poem.txt');
    expect(r.code).toBe(139);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toMatch(/^mm-cat: poem\.txt: --upcase writes through the mapping: the mapping is PROT_READ only.*SIGSEGV \(segmentation fault\); the shell would show exit status 139\n$/);
    expect(readFileSync(poem, 'utf8')).toBe(POEM);
  });

  it('--prot none: even the read that prints faults (SIGSEGV, 139), nothing is printed', async () => {
    const r = await run('--prot', 'none', 'poem.txt');
    expect(r.code).toBe(139);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('PROT_NONE allows no access at all');
    expect(r.stderr).toContain('SIGSEGV');
  });

  it('--prot w: reports what the hardware does with write-only pages', async () => {
    const r = await run('--prot', 'w', 'poem.txt');
    if (process.arch === 'x64') {
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toBe(POEM);
      expect(r.stderr).toBe('mm-cat: poem.txt: PROT_WRITE alone, yet reading worked: on x64 the hardware makes every writable page readable too\n');
    } else {
      expect([0, 139]).toContain(r.code);
    }
  });

  it('--prot w --upcase changes the file (write implies read on x86-64)', async (ctx) => {
    if (process.arch !== 'x64') return ctx.skip();
    const r = await run('--prot', 'w', '--upcase', 'poem.txt');
    expect(r.code).toBe(0);
    expect(readFileSync(poem, 'utf8')).toBe(POEM.toUpperCase());
  });
});

describe('--read-past-end, --write-past-end, --map-length, --guard', () => {
  it('inside the last page: reads zero, no fault', async () => {
    const r = await run('--read-past-end', '0', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toBe(
      `mm-cat: poem.txt: byte 50 (0 past the end of the 50-byte file) is still inside the file's last page (bytes 50..${pageSize - 1} of that page are the kernel's zero fill): reading it gave 0x00 (zero fill, no fault)\n`,
    );
  });

  it('inside the last page: a write works but never reaches the file', async () => {
    const r = await run('--write-past-end', '5', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/writing 0x58 'X' there worked, no fault; the page in memory now holds 0x58 'X', but it is never saved: the file is still 50 bytes/);
    expect(readFileSync(poem, 'utf8')).toBe(POEM);
    // Growing the file later does not bring the stray byte back: the kernel zeroes that tail.
    const grown = await runBash(`truncate -s 100 poem.txt && od -An -c -j 55 -N 1 poem.txt`, { cwd: tmp.path });
    expect(grown.stdout.toString().trim()).toBe('\\0');
  });

  it('inside a mapping longer than the file, past its last page: SIGBUS (135), read or write', async () => {
    for (const flag of ['--read-past-end', '--write-past-end']) {
      const r = await run('--map-length', '8K', flag, '4096', 'poem.txt');
      expect(r.code, flag).toBe(135);
      expect(r.stderr).toContain('is inside the mapping (8192 bytes mapped) but past the file\'s last page');
      expect(r.stderr).toContain('SIGBUS (bus error); the shell would show exit status 135');
    }
    expect(readFileSync(poem, 'utf8')).toBe(POEM);
  });

  it('--guard: the first page past the mapping faults for certain (SIGSEGV, 139)', async () => {
    const r = await run('--guard', '--read-past-end', '4096', 'poem.txt');
    expect(r.code).toBe(139);
    expect(r.stderr).toContain('past the mapped pages, in the PROT_NONE guard page --guard reserved');
    const w = await run('--guard', '--write-past-end', String(pageSize - 50), 'poem.txt');
    expect(w.code).toBe(139);
  });

  it('past the mapped pages without --guard: either another mapping (named, silent success) or nothing (SIGSEGV)', async () => {
    writeFileSync(poem, 'x'.repeat(pageSize)); // the very next byte is past the mapped pages
    for (let i = 0; i < 3; i++) {
      const r = await run('--read-past-end', '0', 'poem.txt');
      const line = r.stderr;
      if (r.code === 0) {
        expect(line).toMatch(/is past the mapped pages, where another mapping lies: [0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps] .+: reading it silently succeeded \(got 0x[0-9a-f]{2}/);
        expect(line).toContain('--guard reserves a PROT_NONE page after the mapping so this faults for certain');
      } else {
        expect(r.code).toBe(139);
        expect(line).toMatch(/past the mapped pages, (where nothing is mapped|where another mapping lies: .*)/);
      }
    }
  });

  it('an experiment on something that cannot be mapped is an error for that input (exit 1)', async () => {
    const piped = await runBash(`echo hi | "${process.execPath}" "${bin}" --upcase`);
    expect(piped.code).toBe(1);
    expect(piped.stderr).toBe('mm-cat: -: cannot be mapped (not a regular file); the experiments need a file\n');
    writeFileSync(join(tmp.path, 'empty'), '');
    const empty = await run('--read-past-end', '0', 'empty', 'missing');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('mm-cat: empty: nothing to map: mmap cannot map 0 bytes (the file is empty; --map-length maps past its end)\nmm-cat: missing: No such file or directory\n');
    const past = await run('--map-length', '4K', '--read-past-end', '0', 'empty');
    expect(past.code).toBe(135);
  });

  it('a directory or a missing file gets the same message with and without an experiment flag, and the run goes on', async () => {
    mkdirSync(join(tmp.path, 'dir'), { recursive: true });
    const errors = 'mm-cat: missing: No such file or directory\nmm-cat: dir: Is a directory\n';
    // --upcase opens for writing (open(2) itself refuses the directory), --prot r for reading
    // (fstat refuses it): both must read as plain cat does.
    for (const flags of [[], ['--prot', 'r'], ['--upcase'], ['--private', '--read-past-end', '0']]) {
      const r = await run(...flags, 'missing', 'dir');
      expect({ flags, code: r.code, stderr: r.stderr, stdout: r.stdout.toString() }).toEqual({ flags, code: 1, stderr: errors, stdout: '' });
      writeFileSync(poem, POEM);
      const between = await run(...flags, 'missing', 'poem.txt', 'dir');
      expect(between.code).toBe(1);
      expect(between.stdout.toString()).toBe(POEM);
      const stdin = await runBash(`"${process.execPath}" "${bin}" ${flags.join(' ')} - < dir`, { cwd: tmp.path });
      expect({ flags, code: stdin.code, stderr: stdin.stderr }).toEqual({ flags, code: 1, stderr: 'mm-cat: -: Is a directory\n' });
    }
  });
});

describe('--cstring and --explain', () => {
  it('--cstring stops at the first NUL and says where', async () => {
    writeFileSync(poem, 'before\0after\n');
    const r = await run('--cstring', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('before');
    expect(r.stderr).toBe('mm-cat: poem.txt: printf("%s") stops at the NUL at byte 6; the 6 bytes after it are not printed\n');
  });

  it('--cstring on a file without NUL: printf read past the end, saved by the zero fill', async () => {
    const r = await run('--cstring', 'poem.txt');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(POEM);
    expect(r.stderr).toContain('no NUL inside the file: printf("%s") read past its end and stopped only at the kernel\'s zero fill of the last page (byte 50)');
  });

  it('--cstring on a whole page without NUL: reading runs off the mapping', async () => {
    writeFileSync(poem, 'y'.repeat(pageSize));
    const r = await run('--cstring', 'poem.txt');
    expect(r.stdout.toString()).toBe('y'.repeat(pageSize));
    expect(r.stderr).toContain(`no NUL inside the mapping: printf("%s") would read past it, into byte ${pageSize}, past the mapped pages`);
    expect([0, 139]).toContain(r.code);
    const guarded = await run('--cstring', '--guard', 'poem.txt');
    expect(guarded.code).toBe(139);
  });

  it('--explain narrates open, fstat, mmap with its flags, the write, and munmap', async () => {
    const r = await run('--explain', '--upcase', 'poem.txt');
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^mm-cat: open\("poem\.txt", O_RDWR\) = \d+ /);
    expect(lines[1]).toMatch(/^mm-cat: fstat\(\d+\) = regular file, 50 bytes$/);
    expect(lines[2]).toMatch(/^mm-cat: mmap\(NULL, 50, PROT_READ\|PROT_WRITE, MAP_SHARED, \d+, 0\) = 0x[0-9a-f]+ \(1 page of \d+ bytes\)$/);
    expect(r.stderr).toMatch(/write\(1, 0x[0-9a-f]+, 50\) = 50/);
    expect(r.stderr).toContain('uppercased 41 letters in place');
    expect(lines[lines.length - 2]).toMatch(/^mm-cat: munmap\(0x[0-9a-f]+, 50\)$/);
    expect(lines[lines.length - 1]).toMatch(/^mm-cat: close\(\d+\)$/);
    const ro = await run('--explain', 'poem.txt');
    expect(ro.stderr).toMatch(/open\("poem\.txt", O_RDONLY\)/);
    expect(ro.stderr).toMatch(/PROT_READ, MAP_SHARED/);
  });
});

describe('the same outcome as the crashing C program', () => {
  it('exit statuses match a real C program for a read-only store and a read past the file in a longer mapping', async (ctx) => {
    if (!haveCommand('cc', 'to compile the C reference program')) return ctx.skip();
    const src = join(tmp.path, 'basic.c');
    writeFileSync(
      src,
      `#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], strcmp(argv[2], "rw") == 0 ? O_RDWR : O_RDONLY);
  struct stat st; fstat(fd, &st);
  size_t len = argc > 4 ? strtoul(argv[4], 0, 10) : st.st_size;
  char *p = mmap(NULL, len, strcmp(argv[2], "rw") == 0 ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return 99;
  volatile char *v = p;
  if (strcmp(argv[3], "upcase") == 0) { for (off_t i = 0; i < st.st_size; i++) v[i] = v[i]; }
  else { char c = v[st.st_size + strtoul(argv[3], 0, 10)]; (void)c; }
  return 0;
}
`,
    );
    const cc = await runCommand('cc', ['-O0', '-o', join(tmp.path, 'basic'), src]);
    expect(cc.code).toBe(0);
    const c = (args: string) => runBash(`./basic ${args} 2>/dev/null; echo $?`, { cwd: tmp.path });
    const pairs: Array<[string, string[]]> = [
      ['poem.txt r upcase', ['--prot', 'r', '--upcase', 'poem.txt']],
      ['poem.txt r 4096 8192', ['--map-length', '8192', '--prot', 'r', '--read-past-end', '4096', 'poem.txt']],
      ['poem.txt r 0', ['--read-past-end', '0', 'poem.txt']],
    ];
    for (const [cArgs, ours] of pairs) {
      const real = Number((await c(cArgs)).stdout.toString().trim());
      const r = await run(...ours);
      expect(r.code, cArgs).toBe(real);
    }
  });
});
