// The committed bin's code cache on Node.js without a compile cache (Node 20): the first run
// leaves V8's cache of the bundle in TMPDIR/mm-code-cache-UID (0700), later runs use it as it
// is, a cache V8 rejects is made again, and a directory another user could write is neither
// read nor written. The tool's output is the same every time.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { childEnv, tempDir } from '@mm/testkit';

const root = new URL('../..', import.meta.url).pathname;
const shim = join(root, 'packages', 'mm-cat', 'bin', 'mm-cat.cjs');
const hasCompileCache = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const tmp = tempDir('mm-bin-cache-');
afterAll(() => tmp.cleanup());

const input = join(tmp.path, 'in.txt');
writeFileSync(input, 'cached bytes\n');

function cat(tmpdir: string): string {
  const r = spawnSync(process.execPath, [shim, input], { env: childEnv({ TMPDIR: tmpdir }), encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return r.stdout;
}

describe("the bin's code cache (Node without module.enableCompileCache)", () => {
  it('is made once in a 0700 directory, then used as it is; a rejected one is made again', (ctx) => {
    if (hasCompileCache) return ctx.skip(`Node ${process.version} has module.enableCompileCache, which the bin uses instead`);
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

  it('a directory others may write is not used: no cache read or written, the tool works', (ctx) => {
    if (hasCompileCache) return ctx.skip(`Node ${process.version} has module.enableCompileCache, which the bin uses instead`);
    const t = join(tmp.path, 'b');
    const dir = join(t, `mm-code-cache-${process.getuid!()}`);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(cat(t)).toBe('cached bytes\n');
    expect(readdirSync(dir)).toEqual([]);
  });
});
