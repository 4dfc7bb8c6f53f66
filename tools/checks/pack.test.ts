// Pack check: every package packed once (tools/checks/packed.ts), each tool installed ALONE
// into an empty global prefix with an empty npm cache, --offline, only `node` and `sh` on
// PATH. Proves a user's `npm i -g ./mm-cat-0.1.0.tgz` needs no network, no compiler and no
// other package: the bundle, core's prebuild and the man page are inside, and no installed
// package.json names a dependency npm would fetch (a look-alike `@mm/core` on the public
// registry can never be pulled in).
import { describe, it, expect, inject, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shmObjects, uniqueShmName, childEnv, tempDir } from '@mm/testkit';
import { jobs } from './jobs.js';

const root = new URL('../..', import.meta.url).pathname;
const { work, safeBin, prefixes, corePrefix, tools } = inject('packed');
const shmPrefix = `mmpack_${process.pid}`;
const env = { ...childEnv(), PATH: safeBin, NODE_COMPILE_CACHE: join(work, 'compile-cache') };
const run = (cmd: string, args: string[], input?: string) => spawnSync(cmd, args, { env, cwd: work, input, encoding: 'utf8' });
const bin = (tool: string) => join(prefixes[tool], 'bin', tool);
const installed = (tool: string) => join(prefixes[tool], 'lib', 'node_modules', tool);

afterAll(() => {
  for (const n of shmObjects(shmPrefix)) spawnSync('rm', ['-f', `/dev/shm/${n}`]);
});

/** Every package.json under `dir` (the installed tree), as [path, parsed]. */
function manifests(dir: string): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'package.json') {
      const path = join(entry.parentPath, entry.name);
      out.push([path, JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>]);
    }
  }
  return out;
}

describe('each tool packed and installed alone, offline, empty cache, no compiler', () => {
  it.each(tools)('%s: one package with its bundle, core prebuild and man page; no dependency for npm to fetch', (tool) => {
    const lib = join(prefixes[tool], 'lib', 'node_modules');
    expect(readdirSync(lib)).toEqual([tool]);
    const pkgs = manifests(lib);
    expect(pkgs.map(([p]) => p)).toEqual([join(installed(tool), 'package.json')]);
    for (const [path, pkg] of pkgs) {
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
        expect([path, field, Object.keys((pkg[field] as object | undefined) ?? {})]).toEqual([path, field, []]);
      }
      expect([path, Object.keys((pkg.scripts as object | undefined) ?? {}).filter((s) => /install/.test(s))]).toEqual([path, []]);
    }
    const files = readdirSync(installed(tool), { recursive: true }).map(String).sort();
    expect(files).toEqual(expect.arrayContaining([`bin/${tool}.cjs`, `dist/${tool}.cjs`, 'prebuilds/linux-x64/@mm+core.node', `man/${tool}.1`, 'README.md', 'CHANGELOG.md']));
    expect(files.filter((f) => f.startsWith('node_modules') || f.endsWith('.gyp') || f.endsWith('.ts'))).toEqual([]);
    expect(statSync(bin(tool)).mode & 0o111).not.toBe(0);
    const man = join(prefixes[tool], 'share', 'man', 'man1', `${tool}.1`);
    expect(readFileSync(man, 'utf8')).toMatch(new RegExp(`^\\.TH "${tool.toUpperCase()}" "1"`));
  });

  it.each(tools)('%s answers --version and --help', (tool) => {
    const version = (JSON.parse(readFileSync(join(root, 'packages', tool, 'package.json'), 'utf8')) as { version: string }).version;
    const v = run(bin(tool), ['--version']);
    expect([v.status, v.stdout.trim(), v.stderr]).toEqual([0, version, '']);
    const h = run(bin(tool), ['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(new RegExp(`^Usage: ${tool}`));
  });

  it('each installed bin does its job', () => {
    const dir = tempDir('mm-pack-jobs-');
    try {
      for (const [tool, args, input, check] of jobs(dir.path, shmPrefix)) {
        const r = run(bin(tool), args, input);
        expect([tool, args.join(' '), r.status, r.stderr]).toEqual([tool, args.join(' '), 0, '']);
        check(r.stdout);
      }
    } finally {
      dir.cleanup();
    }
    expect(shmObjects(shmPrefix)).toEqual([]);
  });

  it.for(tools)('man %s shows the installed page', (tool, ctx) => {
    if (spawnSync('sh', ['-c', 'command -v man'], { stdio: 'ignore' }).status !== 0) {
      console.warn("skipping the man check: 'man' is not installed");
      return ctx.skip();
    }
    const r = spawnSync('man', ['-P', 'cat', tool], { env: { ...childEnv(), MANPATH: join(prefixes[tool], 'share', 'man'), MANWIDTH: '80' }, encoding: 'utf8' });
    // (groff may warn on stderr that a wide table was squeezed; the page is still there.)
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${tool.toUpperCase()}\\(1\\)`));
    expect(r.stdout).toMatch(new RegExp(`NAME\\n\\s+${tool}\\s+-\\s`));
  });

  it('a bin whose bundle is missing says to build, in one line, and exits 1', () => {
    const dir = tempDir('mm-pack-shim-');
    try {
      mkdirSync(join(dir.path, 'bin'));
      copyFileSync(join(installed('mm-cat'), 'bin', 'mm-cat.cjs'), join(dir.path, 'bin', 'mm-cat.cjs'));
      const r = run('node', [join(dir.path, 'bin', 'mm-cat.cjs'), '--version']);
      expect([r.status, r.stdout, r.stderr]).toEqual([1, '', 'mm-cat: not built yet: run `npm run build` in the repository\n']);
    } finally {
      dir.cleanup();
    }
  });
});

describe('@mm/core packed and installed alone, as a library', () => {
  it('ships its prebuild, binding.gyp and C++ sources, and loads the prebuild with no compiler', () => {
    const core = join(corePrefix, 'lib', 'node_modules', '@mm', 'core');
    expect(existsSync(join(core, 'prebuilds', 'linux-x64', '@mm+core.node'))).toBe(true);
    expect(existsSync(join(core, 'binding.gyp'))).toBe(true);
    expect(readdirSync(join(core, 'src', 'native')).filter((f) => f.endsWith('.cc')).length).toBeGreaterThan(3);
    expect(existsSync(join(core, 'build'))).toBe(false);
    // A library for anyone who needs mmap: no command-line parser comes with it.
    const manifest = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; exports: Record<string, unknown> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['node-addon-api', 'node-gyp-build']);
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './package.json']);
    expect(existsSync(join(core, 'node_modules', 'commander'))).toBe(false);
    const which = run('node', ['-e', `console.log(require(${JSON.stringify(join(core, 'node_modules', 'node-gyp-build'))}).path(${JSON.stringify(core)}))`]);
    expect(which.stdout.trim()).toBe(join(core, 'prebuilds', 'linux-x64', '@mm+core.node'));
    const f = join(work, 'core-smoke.bin');
    writeFileSync(f, '');
    const smoke = run('node', ['--input-type=module', '-e', `
      const mm = await import(${JSON.stringify(join(core, 'dist', 'index.js'))});
      const fs = await import('node:fs');
      const f = ${JSON.stringify(f)};
      const m = mm.openMapping(f, { access: 'rw', create: true, size: 8 });
      m.bytes.write('packaged');
      m.unmap();
      const s = mm.openShmMapping(${JSON.stringify(uniqueShmName(shmPrefix))}, { create: true, size: 4 });
      s.bytes.write('shm!');
      console.log(fs.readFileSync(f, 'utf8'), s.bytes.toString());
      mm.shmUnlink(s.path);
    `]);
    expect(smoke.stderr).toBe('');
    expect(smoke.stdout.trim()).toBe('packaged shm!');
  });
});

describe('from the clone', () => {
  it.each(tools)('%s runs from node_modules/.bin and through npx', (tool) => {
    const linked = join(root, 'node_modules', '.bin', tool);
    const version = (JSON.parse(readFileSync(join(root, 'packages', tool, 'package.json'), 'utf8')) as { version: string }).version;
    const direct = spawnSync(linked, ['--version'], { env: childEnv(), encoding: 'utf8' });
    expect([direct.status, direct.stdout.trim(), direct.stderr]).toEqual([0, version, '']);
    const npx = spawnSync('npx', ['--offline', '--no', '--', tool, '--version'], { cwd: root, env: childEnv(), encoding: 'utf8' });
    expect([npx.status, npx.stdout.trim()]).toEqual([0, version]);
  });
});
