import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveCommand, runCommand, tempDir } from '@mm/testkit';
import { patternBytes, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('interop');
const tmp = tempDir('mm-shm-interop-');
afterAll(() => tmp.cleanup());

// A plain C client of POSIX shared memory:
//   shmc make NAME SIZE   shm_open(O_CREAT|O_EXCL, 0600) + ftruncate + mmap, byte i = (i*7+3) & 255; no unlink
//   shmc cat NAME         shm_open(O_RDONLY) + mmap, every byte to stdout
const C_SOURCE = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *name) { fprintf(stderr, "shmc: %s %s: ", what, name); perror(""); return 1; }

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const char *name = argv[2];
  if (!strcmp(argv[1], "make") && argc == 4) {
    size_t size = strtoul(argv[3], NULL, 10);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return fail("shm_open", name);
    if (ftruncate(fd, size) < 0) return fail("ftruncate", name);
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap", name);
    for (size_t i = 0; i < size; i++) p[i] = (unsigned char)((i * 7 + 3) & 255);
    munmap(p, size);
    close(fd);
    return 0;
  }
  if (!strcmp(argv[1], "cat")) {
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) return fail("shm_open", name);
    struct stat st;
    if (fstat(fd, &st) < 0) return fail("fstat", name);
    if (st.st_size == 0) return 0;
    unsigned char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return fail("mmap", name);
    fwrite(p, 1, st.st_size, stdout);
    return 0;
  }
  return 2;
}
`;

// Python's multiprocessing.shared_memory. Before 3.13 the resource tracker unlinks every
// segment a process created or attached when it exits; unregister (or track=False) so the
// object outlives this script, as a C program's would.
const PY_SOURCE = String.raw`
import sys
from multiprocessing import shared_memory, resource_tracker

def open_shm(name, **kw):
    try:
        return shared_memory.SharedMemory(name=name, track=False, **kw)
    except TypeError:
        shm = shared_memory.SharedMemory(name=name, **kw)
        resource_tracker.unregister(shm._name, "shared_memory")
        return shm

cmd, name = sys.argv[1], sys.argv[2]
if cmd == "make":
    data = sys.stdin.buffer.read()
    shm = open_shm(name, create=True, size=len(data))
    shm.buf[:len(data)] = data
    shm.close()
elif cmd == "cat":
    shm = open_shm(name)
    sys.stdout.buffer.write(bytes(shm.buf))
    shm.close()
`;

function cPattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + 3) & 255;
  return b;
}

describe('interop with a C program using shm_open', () => {
  const hasCc = haveCommand('cc', 'the C shm_open interop test');
  let shmc = '';
  beforeAll(async () => {
    if (!hasCc) return;
    writeFileSync(join(tmp.path, 'shmc.c'), C_SOURCE);
    shmc = join(tmp.path, 'shmc');
    let r = await runCommand('cc', ['-O2', '-o', shmc, join(tmp.path, 'shmc.c')]);
    if (r.code !== 0) r = await runCommand('cc', ['-O2', '-o', shmc, join(tmp.path, 'shmc.c'), '-lrt']);
    if (r.code !== 0) throw new Error(`cc failed: ${r.stderr}`);
  });

  it.skipIf(!hasCc)('lists and reads byte-exact what C made; C reads byte-exact what mm-shm wrote', async () => {
    const n = newName();
    const size = 70_000;
    expect((await runCommand(shmc, ['make', '/' + n, String(size)])).code).toBe(0);

    const ls = await shm(['ls', '--json']);
    const rec = ls.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { name: string }).find((x) => x.name === n);
    expect(rec).toMatchObject({ name: n, size, mode: '0600', owner: 'root' });
    const r = await shm(['read', n]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(cPattern(size))).toBe(true);

    const data = patternBytes(100_000, 7);
    expect((await shm(['write', n, '--truncate'], { input: data })).code).toBe(0);
    const back = await runCommand(shmc, ['cat', '/' + n]);
    expect(back.code).toBe(0);
    expect(back.stdout.equals(data)).toBe(true);

    expect((await shm(['rm', n])).code).toBe(0);
    const gone = await runCommand(shmc, ['cat', '/' + n]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No such file or directory');
  });

  it.skipIf(!hasCc)('C sees an object made by mm-shm create --exclusive, and shm_open(O_EXCL) in C then fails', async () => {
    const n = newName();
    await shm(['create', n, '--exclusive', '--size', '10']);
    const again = await runCommand(shmc, ['make', '/' + n, '10']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('File exists');
    expect((await runCommand(shmc, ['cat', '/' + n])).stdout.equals(Buffer.alloc(10))).toBe(true);
    await shm(['rm', n]);
  });
});

describe("interop with python3's multiprocessing.shared_memory", () => {
  const hasPython = haveCommand('python3', "the multiprocessing.shared_memory interop test");
  const py = join(tmp.path, 'pyshm.py');
  beforeAll(() => writeFileSync(py, PY_SOURCE));

  it.skipIf(!hasPython)('lists and reads what Python made; Python reads what mm-shm wrote', async () => {
    const n = newName();
    const data = patternBytes(50_000, 11);
    const made = await runCommand('python3', [py, 'make', n], { input: data });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    // The object outlived the Python process.
    expect(statSync(`/dev/shm/${n}`).size).toBe(data.length);
    const st = await shm(['stat', '--json', n]);
    expect(JSON.parse(st.stdout.toString())).toMatchObject({ name: n, size: data.length, mode: '0600' });
    expect((await shm(['read', n])).stdout.equals(data)).toBe(true);

    const mine = Buffer.concat([Buffer.from('written by mm-shm\0'), patternBytes(4000, 3)]);
    expect((await shm(['write', n, '--truncate'], { input: mine })).code).toBe(0);
    const back = await runCommand('python3', [py, 'cat', '/' + n]);
    expect(back.stderr).toBe('');
    expect(back.stdout.equals(mine)).toBe(true);
    expect(readFileSync(`/dev/shm/${n}`).equals(mine)).toBe(true);
    expect((await shm(['rm', n])).code).toBe(0);
  });
});
