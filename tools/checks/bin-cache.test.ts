// The committed bin's code cache, on every Node version: the first run leaves V8's cache of
// the bundle in TMPDIR/mm-code-cache-UID (0700), later runs use it as it is, a cache V8
// rejects is made again, and a directory another user could write is neither read nor
// written. The tool's output is the same every time. Run as a command under the matrix's
// Node 22 too, when installed: the cache is that version's own file.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, tempDir } from '@mm/testkit';

const root = new URL('../..', import.meta.url).pathname;
const shim = join(root, 'packages', 'mm-cat', 'bin', 'mm-cat.cjs');
const tmp = tempDir('mm-bin-cache-');
afterAll(() => tmp.cleanup());

const input = join(tmp.path, 'in.txt');
writeFileSync(input, 'cached bytes\n');

function cat(tmpdir: string): string {
  const r = spawnSync(process.execPath, [shim, input], { env: childEnv({ TMPDIR: tmpdir }), encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return r.stdout;
}

describe("the bin's code cache", () => {
  it('is made once in a 0700 directory, then used as it is; a rejected one is made again', () => {
    const t = join(tmp.path, 'a');
    mkdirSync(t);
    const dir = join(t, `mm-code-cache-${process.getuid!()}`);
    expect(cat(t)).toBe('cached bytes\n');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^mm-cat-${process.version.replace(/\./g, '\\.')}-`));
    const file = join(dir, files[0]);
    const made = statSync(file);
    expect(made.size).toBeGreaterThan(1000);
    expect(cat(t)).toBe('cached bytes\n');
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]); // accepted: not written again
    writeFileSync(file, 'not a code cache');
    expect(cat(t)).toBe('cached bytes\n');
    expect(statSync(file).size).toBeGreaterThan(1000); // rejected by V8, so made again
  });

  it('a directory others may write is not used: no cache read or written, the tool works', () => {
    const t = join(tmp.path, 'b');
    const dir = join(t, `mm-code-cache-${process.getuid!()}`);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(cat(t)).toBe('cached bytes\n');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the bin's code cache under Node 22, run as a command", () => {
  it("is made by the first run under that version's own name and kept by the next; Node's NODE_COMPILE_CACHE is not needed", (ctx) => {
    const n22 = join(root, 'tools', 'matrix', 'node_modules', 'node22', 'bin', 'node');
    if (!existsSync(n22)) return ctx.skip('Node 22 is not installed in tools/matrix (the matrix check installs it)');
    const version = spawnSync(n22, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const t = join(tmp.path, 'c');
    const pathDir = join(t, 'bin');
    mkdirSync(pathDir, { recursive: true });
    symlinkSync(n22, join(pathDir, 'node'));
    const run = (): void => {
      const r = spawnSync(shim, [input], { env: childEnv({ TMPDIR: t, PATH: `${pathDir}:${process.env.PATH}`, NODE_COMPILE_CACHE: undefined }), encoding: 'utf8' });
      expect([r.status, r.stderr, r.stdout]).toEqual([0, '', 'cached bytes\n']);
    };
    const dir = join(t, `mm-code-cache-${process.getuid!()}`);
    run();
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0].startsWith(`mm-cat-${version}-`)).toBe(true);
    const made = statSync(join(dir, files[0]));
    run();
    const after = statSync(join(dir, files[0]));
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
    expect(existsSync(join(t, 'node-compile-cache'))).toBe(false);
  });
});
