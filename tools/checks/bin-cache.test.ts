// The committed bin's V8 code cache, on every Node version. The first run leaves it beside the
// bundle (dist/.TOOL-VERSION-ARCH-BUILD.cache) when the package may be written — trusted as
// the bundle is — and otherwise in TMPDIR/mm-code-cache-UID, only if that directory is this
// user's alone (0700). Later runs use it as it is; a cache V8 rejects is made again; a build
// removes the caches of earlier builds. The tool's output is the same every time. Each case
// runs a copy of mm-cat's package (bin, bundle, prebuild) in a temporary directory.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asNobody, childEnv, tempDir } from '@mm/testkit';
// @ts-expect-error -- a plain ES module of the build tools, without types
import { markBuild } from '../bundle/bundle.mjs';

const root = new URL('../..', import.meta.url).pathname;
const tool = join(root, 'packages', 'mm-cat');
const tmp = tempDir('mm-bin-cache-');
chmodSync(tmp.path, 0o755); // user nobody runs copies in here
afterAll(() => tmp.cleanup());

const input = join(tmp.path, 'in.txt');
writeFileSync(input, 'cached bytes\n');
chmodSync(input, 0o644);

/** A copy of mm-cat's package (what an install holds) in DIR; returns its bin. */
function copyPackage(dir: string): string {
  for (const part of ['bin', 'prebuilds', join('dist', 'mm-cat.cjs')]) cpSync(join(tool, part), join(dir, part), { recursive: true });
  return join(dir, 'bin', 'mm-cat.cjs');
}

/** The build named on the bundle's second line. */
const build = (dir: string): string => /^\/\/ mm-build (\w+)$/m.exec(readFileSync(join(dir, 'dist', 'mm-cat.cjs'), 'utf8').split('\n')[1])![1];

function cat(bin: string, tmpdir: string, prefix: string[] = [], node = process.execPath): void {
  const r = spawnSync(prefix.length ? 'setpriv' : node, [...prefix, ...(prefix.length ? [node] : []), bin, input], { env: childEnv({ TMPDIR: tmpdir }), encoding: 'utf8' });
  expect([r.status, r.stderr, r.stdout]).toEqual([0, '', 'cached bytes\n']);
}

const caches = (dir: string): string[] => readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.cache'));

/** A root-owned package copy (nobody may not write it) and a TMPDIR nobody may write, for case `c`. */
function forNobody(c: string): { pkg: string; bin: string; t: string } {
  const pkg = join(tmp.path, c);
  const bin = copyPackage(pkg);
  const t = join(tmp.path, `${c}-tmp`);
  mkdirSync(t);
  chmodSync(t, 0o1777);
  return { pkg, bin, t };
}

describe("the bin's code cache", () => {
  it('is made once beside the bundle, named by Node version and build, then used as it is; a rejected one is made again', () => {
    const pkg = join(tmp.path, 'a');
    const bin = copyPackage(pkg);
    const t = join(tmp.path, 'a-tmp');
    mkdirSync(t);
    cat(bin, t);
    expect(caches(pkg)).toEqual([`.mm-cat-${process.version}-${process.arch}-${build(pkg)}.cache`]);
    expect(readdirSync(t)).toEqual([]); // nothing under TMPDIR
    const file = join(pkg, 'dist', caches(pkg)[0]);
    const made = statSync(file);
    expect(made.size).toBeGreaterThan(1000);
    cat(bin, t);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]); // accepted: not written again
    writeFileSync(file, 'not a code cache');
    cat(bin, t);
    expect(statSync(file).size).toBeGreaterThan(1000); // rejected by V8, so made again
    expect(caches(pkg)).toHaveLength(1); // no partial file left
  });

  it('when the package may not be written, goes to a 0700 directory of the user under TMPDIR', (ctx) => {
    const nobody = asNobody('the cache of a user who may not write the package');
    if (!nobody) return ctx.skip('user nobody is not available here (printed above)');
    const { pkg, bin, t } = forNobody('b');
    cat(bin, t, nobody);
    expect(caches(pkg)).toEqual([]);
    const dir = join(t, 'mm-code-cache-65534');
    expect([statSync(dir).mode & 0o777, statSync(dir).uid]).toEqual([0o700, 65534]);
    const files = readdirSync(dir);
    expect(files).toEqual([`mm-cat-${process.version}-${process.arch}-${build(pkg)}`]);
    const made = statSync(join(dir, files[0]));
    cat(bin, t, nobody);
    const after = statSync(join(dir, files[0]));
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
  });

  it('a directory under TMPDIR others may write is neither read nor written; the tool works', (ctx) => {
    const nobody = asNobody('a cache directory others may write');
    if (!nobody) return ctx.skip('user nobody is not available here (printed above)');
    const { pkg, bin, t } = forNobody('c');
    const dir = join(t, 'mm-code-cache-65534');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    cat(bin, t, nobody);
    cat(bin, t, nobody);
    expect([readdirSync(dir), caches(pkg)]).toEqual([[], []]);
  });

  it("a build names itself on the bundle's second line and removes the caches of earlier builds", () => {
    const dir = join(tmp.path, 'd');
    mkdirSync(dir);
    const out = join(dir, 'mm-x.cjs');
    writeFileSync(out, "#!/usr/bin/env node\n'use strict';\nconsole.log(1);\n");
    writeFileSync(join(dir, '.mm-x-v20.0.0-x64-0123456789abcdef.cache'), 'old');
    writeFileSync(join(dir, '.mm-y-v20.0.0-x64-0123456789abcdef.cache'), 'another tool');
    (markBuild as (file: string) => void)(out);
    const [shebang, id, ...rest] = readFileSync(out, 'utf8').split('\n');
    expect([shebang, rest.join('\n')]).toEqual(['#!/usr/bin/env node', "'use strict';\nconsole.log(1);\n"]);
    expect(id).toMatch(/^\/\/ mm-build [0-9a-f]{16}$/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cache'))).toEqual(['.mm-y-v20.0.0-x64-0123456789abcdef.cache']);
    writeFileSync(out, "#!/usr/bin/env node\n'use strict';\nconsole.log(2);\n");
    markBuild(out);
    expect(readFileSync(out, 'utf8').split('\n')[1]).not.toBe(id);
  });
});

describe("the bin's code cache under Node 22, run as a command", () => {
  it("is made by the first run under that version's own name and kept by the next; Node's NODE_COMPILE_CACHE is not needed", (ctx) => {
    const n22 = join(root, 'tools', 'matrix', 'node_modules', 'node22', 'bin', 'node');
    if (!existsSync(n22)) return ctx.skip('Node 22 is not installed in tools/matrix (the matrix check installs it)');
    const version = spawnSync(n22, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const pkg = join(tmp.path, 'e');
    const bin = copyPackage(pkg);
    const t = join(tmp.path, 'e-tmp');
    const pathDir = join(t, 'bin');
    mkdirSync(pathDir, { recursive: true });
    symlinkSync(n22, join(pathDir, 'node'));
    const run = (): void => {
      const r = spawnSync(bin, [input], { env: childEnv({ TMPDIR: t, PATH: `${pathDir}:${process.env.PATH}`, NODE_COMPILE_CACHE: undefined }), encoding: 'utf8' });
      expect([r.status, r.stderr, r.stdout]).toEqual([0, '', 'cached bytes\n']);
    };
    run();
    expect(caches(pkg)).toEqual([`.mm-cat-${version}-${process.arch}-${build(pkg)}.cache`]);
    const made = statSync(join(pkg, 'dist', caches(pkg)[0]));
    run();
    const after = statSync(join(pkg, 'dist', caches(pkg)[0]));
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
    expect(existsSync(join(t, 'node-compile-cache'))).toBe(false);
  });
});
