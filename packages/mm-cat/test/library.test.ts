// The library API without spawning the CLI: which path each input takes, the bytes that land
// in an output file, per-input errors versus output errors, and experiment outcomes.
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, openSync, readFileSync, truncateSync, writeFileSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { catFd, catFile, catFiles, catOperands, choosePath, describeMapping, isPseudoFile, runExperiment, runExperiments, wantsExperiment } from '../src/index.js';
import { readMaps } from '@mm/core';
import { tempDir } from '@mm/testkit';

const tmp = tempDir('mm-cat-lib-');
const at = (n: string): string => join(tmp.path, n);
afterAll(() => tmp.cleanup());

function withOutput(fn: (out: number) => void): Buffer {
  const path = at(`out-${Math.random().toString(36).slice(2)}`);
  const out = openSync(path, 'w');
  try {
    fn(out);
  } finally {
    closeSync(out);
  }
  return readFileSync(path);
}

async function withOutputAsync(fn: (out: number) => Promise<void>): Promise<Buffer> {
  const path = at(`out-${Math.random().toString(36).slice(2)}`);
  const out = openSync(path, 'w');
  try {
    await fn(out);
  } finally {
    closeSync(out);
  }
  return readFileSync(path);
}

describe('choosing between mapping and read(2)', () => {
  it('maps regular files with data; reads empty files, /proc and /sys files and devices', () => {
    writeFileSync(at('data'), 'data');
    writeFileSync(at('empty'), '');
    const kinds: Record<string, string> = {};
    for (const p of [at('data'), at('empty'), '/proc/self/status', '/dev/null']) {
      const fd = openSync(p, 'r');
      try {
        kinds[p] = choosePath(fd, p, fstatSync(fd));
      } finally {
        closeSync(fd);
      }
    }
    expect(kinds).toEqual({ [at('data')]: 'mapped', [at('empty')]: 'streamed', '/proc/self/status': 'streamed', '/dev/null': 'streamed' });
  });

  it('judges procfs and sysfs by where the descriptor really points, even through a symlink', () => {
    const fd = openSync('/proc/self/cmdline', 'r');
    const data = openSync(at('data'), 'r');
    try {
      expect(isPseudoFile(fd, 'whatever-name')).toBe(true);
      expect(isPseudoFile(data, '/proc/looks-like-proc')).toBe(false);
    } finally {
      closeSync(fd);
      closeSync(data);
    }
  });

  it('refuses a directory with EISDIR', () => {
    const fd = openSync(tmp.path, 'r');
    try {
      expect(() => choosePath(fd, 'd', fstatSync(fd))).toThrow(expect.objectContaining({ code: 'EISDIR', message: 'd: Is a directory' }));
    } finally {
      closeSync(fd);
    }
  });
});

describe('copying', () => {
  const big = Buffer.alloc(5 * 4096 + 77);
  for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff;

  it('writes the same bytes through small populated windows, plain windows, and read(2)', () => {
    writeFileSync(at('big'), big);
    const populated = withOutput((out) => expect(catFile(at('big'), { out, windowSize: 4096 })).toEqual({ path: 'mapped', bytes: big.length }));
    const plain = withOutput((out) => catFile(at('big'), { out, windowSize: 8192, populate: false }));
    const ranged = withOutput((out) => catFile(at('big'), { out, windowSize: 4096, offset: 4095, length: 4098 }));
    expect(populated.equals(big)).toBe(true);
    expect(plain.equals(big)).toBe(true);
    expect(ranged.equals(big.subarray(4095, 4095 + 4098))).toBe(true);
  });

  it('a sparse file through small windows: a hole over many windows, data at a window start, a 4-byte last window', () => {
    // The 5 GiB case (data at 4 GiB, the file's end 4 bytes past 5 GiB, 32 MiB windows) in
    // one-page windows: the same window boundaries in 1.25 MiB instead of 5 GiB.
    const win = 4096;
    const f = at('sparse');
    writeFileSync(f, 'head');
    truncateSync(f, 256 * win);
    appendFileSync(f, 'at 256 w');
    truncateSync(f, 320 * win);
    appendFileSync(f, 'tail');
    const expected = Buffer.alloc(320 * win + 4);
    expected.write('head', 0);
    expected.write('at 256 w', 256 * win);
    expected.write('tail', 320 * win);
    const all = withOutput((out) => expect(catFile(f, { out, windowSize: win })).toEqual({ path: 'mapped', bytes: expected.length }));
    expect(all.equals(expected)).toBe(true);
    expect(withOutput((out) => catFile(f, { out, windowSize: win, offset: 256 * win, length: 8 })).toString()).toBe('at 256 w');
    expect(withOutput((out) => catFile(f, { out, windowSize: win, offset: 320 * win })).toString()).toBe('tail');
  });

  it('reads what was appended after the size fstat reported', () => {
    writeFileSync(at('grow'), 'abc');
    const fd = openSync(at('grow'), 'r');
    try {
      const got = withOutput((out) => catFd(fd, 'grow', { out }));
      expect(got.toString()).toBe('abc');
    } finally {
      closeSync(fd);
    }
  });

  it('catFiles reports failed inputs through onError, carries on, and returns 1', () => {
    writeFileSync(at('a'), 'A');
    const errors: string[] = [];
    let status = -1;
    const got = withOutput((out) => {
      status = catFiles([at('a'), at('nope'), at('a')], { out, onError: (m) => errors.push(m) });
    });
    expect(got.toString()).toBe('AA');
    expect(status).toBe(1);
    expect(errors).toEqual([`${at('nope')}: No such file or directory`]);
  });

  it('an output that cannot be written ends the run with a "write error"', () => {
    writeFileSync(at('a'), 'A');
    writeFileSync(at('b'), '');
    const ro = openSync(at('b'), 'r');
    try {
      expect(() => catFiles([at('a'), at('a')], { out: ro })).toThrow(expect.objectContaining({ code: 'EBADF', message: 'write error: Bad file descriptor' }));
    } finally {
      closeSync(ro);
    }
  });
});

describe('the one loop over the operands', () => {
  it('reports a missing file and a directory with the same messages with and without an experiment, and carries on', async () => {
    writeFileSync(at('one'), 'A');
    for (const flags of [{}, { prot: 'r' as const }, { cstring: true }]) {
      const errors: string[] = [];
      let status = -1;
      const got = await withOutputAsync(async (out) => {
        status = await catOperands([at('nope'), at('one'), tmp.path, at('one')], { ...flags, out, onError: (m) => errors.push(m) });
      });
      expect({ flags, got: got.toString(), status, errors }).toEqual({ flags, got: 'AA', status: 1, errors: [`${at('nope')}: No such file or directory`, `${tmp.path}: Is a directory`] });
    }
  });

  it('plain cat stays synchronous; an access that dies ends the run with its status', async () => {
    writeFileSync(at('one'), 'A');
    const plain = withOutput((out) => {
      const status = catOperands([at('one')], { out });
      expect(status).toBe(0);
    });
    expect(plain.toString()).toBe('A');
    writeFileSync(at('p'), 'abc\n');
    let status = -1;
    const printed = await withOutputAsync(async (out) => {
      status = await runExperiments([at('p'), at('p')], { prot: 'r', upcase: true, out });
    });
    expect(status).toBe(139);
    expect(printed.toString()).toBe('abc\n');
  });
});

describe('experiments through the library', () => {
  it('knows which options ask for an experiment', () => {
    expect(wantsExperiment({})).toBe(false);
    expect(wantsExperiment({ offset: 3, length: 4 })).toBe(false);
    expect(wantsExperiment({ readPastEnd: 0 })).toBe(true);
    expect(wantsExperiment({ prot: 'r' })).toBe(true);
  });

  it('returns 139 for a store into a read-only mapping, prints first, leaves the file alone', async () => {
    writeFileSync(at('p'), 'abc\n');
    const notes: string[] = [];
    let outcome;
    const printed = await withOutputAsync(async (out) => {
      outcome = await runExperiment(at('p'), { prot: 'r', upcase: true, out, note: (l) => notes.push(l) });
    });
    expect(outcome).toEqual({ exitCode: 139, signal: 'SIGSEGV' });
    expect(printed.toString()).toBe('abc\n');
    expect(notes).toHaveLength(1);
    expect(readFileSync(at('p'), 'utf8')).toBe('abc\n');
  });

  it('uppercases through a shared mapping', async () => {
    writeFileSync(at('p'), 'abc\n');
    await withOutputAsync(async (out) => expect(await runExperiment(at('p'), { upcase: true, out })).toEqual({ exitCode: 0, signal: null }));
    expect(readFileSync(at('p'), 'utf8')).toBe('ABC\n');
  });

  it('describes a maps entry with its range, permissions and path', () => {
    const libc = readMaps().find((e) => e.path.includes('libc'));
    const anon = readMaps().find((e) => e.path === '');
    if (anon) expect(describeMapping(anon)).toMatch(/^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][ps] anonymous memory$/);
    if (libc) expect(describeMapping(libc)).toMatch(/libc.*\(library\)$/);
  });
});
