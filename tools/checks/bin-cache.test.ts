// The committed bin's code cache on Node.js without a compile cache (Node 20): the first run
// leaves V8's cache of the bundle in TMPDIR/mm-code-cache-UID (0700), later runs use it as it
// is, a cache V8 rejects is made again, and a directory another user could write is neither
// read nor written. The tool's output is the same every time. On Node 22.1+ (the one running
// the check, or tools/matrix's node22), run as a command: the sh lines turn Node's compile
// cache on in TMPDIR/node-compile-cache, unless the user's NODE_COMPILE_CACHE says elsewhere.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** A node with a compile cache: this one, or the matrix's Node 22 when installed. */
function nodeWithCompileCache(): string | undefined {
  if (hasCompileCache) return process.execPath;
  const n22 = join(root, 'tools', 'matrix', 'node_modules', 'node22', 'bin', 'node');
  return existsSync(n22) ? n22 : undefined;
}

/** Every file under `dir` (one level of version directories), with its mtime. */
function cacheFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const v of readdirSync(dir)) for (const f of readdirSync(join(dir, v))) out.set(join(v, f), statSync(join(dir, v, f)).mtimeMs);
  return out;
}

describe("the bin's compile cache on Node 22.1+, run as a command", () => {
  it('is in TMPDIR/node-compile-cache, made by the first run and kept by the next; a set NODE_COMPILE_CACHE wins', (ctx) => {
    const node = nodeWithCompileCache();
    if (!node) return ctx.skip('no Node with a compile cache here (run the matrix check once to install Node 22)');
    const t = join(tmp.path, 'c');
    const pathDir = join(t, 'bin');
    mkdirSync(pathDir, { recursive: true });
    symlinkSync(node, join(pathDir, 'node'));
    const run = (extra: Record<string, string | undefined>): void => {
      const r = spawnSync(shim, [input], { env: childEnv({ TMPDIR: t, PATH: `${pathDir}:${process.env.PATH}`, NODE_COMPILE_CACHE: undefined, ...extra }), encoding: 'utf8' });
      expect([r.status, r.stderr, r.stdout]).toEqual([0, '', 'cached bytes\n']);
    };
    const dir = join(t, 'node-compile-cache');
    run({});
    const made = cacheFiles(dir);
    expect(made.size).toBeGreaterThanOrEqual(2); // the bin and the bundle
    run({});
    expect(cacheFiles(dir)).toEqual(made); // used as it is, not written again
    const elsewhere = join(t, 'mine');
    run({ NODE_COMPILE_CACHE: elsewhere });
    expect(cacheFiles(elsewhere).size).toBeGreaterThanOrEqual(2);
    expect(cacheFiles(dir)).toEqual(made);
  });
});
