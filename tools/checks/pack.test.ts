// Pack check: `npm pack` every package, install the tarballs into an empty global prefix with
// no network and no compiler on PATH, and run each installed bin. This proves the shipped
// prebuild is what loads (a user's `npm i -g mm-cat` needs no g++, make or python3).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir, uniqueShmName, shmObjects, childEnv } from '../testkit/index.js';

const root = new URL('../..', import.meta.url).pathname;
const tools = readdirSync(join(root, 'packages')).filter((d) => d.startsWith('mm-')).sort();
const work = tempDir('mm-pack-');
const prefix = join(work.path, 'prefix');
const safeBin = join(work.path, 'safebin');
const npmCli = process.env.npm_execpath && process.env.npm_execpath.endsWith('.js')
  ? process.env.npm_execpath
  : join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim())), 'npm-cli.js');
const env = { ...childEnv(), PATH: safeBin, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NO_COLOR: '1' };
const run = (cmd: string, args: string[], input?: string) => spawnSync(cmd, args, { env, cwd: work.path, input, encoding: 'utf8' });
const shmPrefix = `mmpack_${process.pid}`;

beforeAll(() => {
  mkdirSync(prefix);
  mkdirSync(safeBin);
  // Only node and a POSIX shell: no g++, make, python3 — so a compile could not succeed.
  symlinkSync(process.execPath, join(safeBin, 'node'));
  symlinkSync('/bin/sh', join(safeBin, 'sh'));
  const tgz = join(work.path, 'tgz');
  mkdirSync(tgz);
  execFileSync(process.execPath, [npmCli, 'pack', '--workspaces', '--pack-destination', tgz, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = readdirSync(tgz).map((f) => join(tgz, f));
  const r = run('node', [npmCli, 'install', '-g', '--prefix', prefix, ...tarballs]);
  if (r.status !== 0) throw new Error(`npm install -g of the tarballs failed:\n${r.stdout}\n${r.stderr}`);
});

afterAll(() => {
  for (const n of shmObjects(shmPrefix)) spawnSync('rm', ['-f', `/dev/shm/${n}`]);
  work.cleanup();
});

describe('packed and installed with no compiler and no network', () => {
  it('@mm/core ships its prebuild, binding.gyp and C++ sources, and loads the prebuild', () => {
    const core = join(prefix, 'lib', 'node_modules', '@mm', 'core');
    expect(existsSync(join(core, 'prebuilds', 'linux-x64', '@mm+core.node'))).toBe(true);
    expect(existsSync(join(core, 'binding.gyp'))).toBe(true);
    expect(readdirSync(join(core, 'src', 'native')).filter((f) => f.endsWith('.cc')).length).toBeGreaterThan(3);
    expect(existsSync(join(core, 'build'))).toBe(false);
    const which = run('node', ['-e', `console.log(require(${JSON.stringify(join(core, 'node_modules', 'node-gyp-build'))}).path(${JSON.stringify(core)}))`]);
    expect(which.stdout.trim()).toBe(join(core, 'prebuilds', 'linux-x64', '@mm+core.node'));
    const smoke = run('node', ['--input-type=module', '-e', `
      const mm = await import(${JSON.stringify(join(core, 'dist', 'index.js'))});
      const fs = await import('node:fs');
      const f = ${JSON.stringify(join(work.path, 'core-smoke.bin'))};
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

  it.each(tools)('%s installs as a bin of the same name that answers --version and --help', (tool) => {
    const bin = join(prefix, 'bin', tool);
    expect(existsSync(bin)).toBe(true);
    const version = JSON.parse(readFileSync(join(root, 'packages', tool, 'package.json'), 'utf8')).version;
    const v = run(bin, ['--version']);
    expect([v.status, v.stdout.trim(), v.stderr]).toEqual([0, version, '']);
    const h = run(bin, ['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(new RegExp(`^Usage: ${tool}`));
  });

  it('each installed bin does its job', () => {
    const bin = (tool: string) => join(prefix, 'bin', tool);
    const poem = join(work.path, 'poem.txt');
    const text = 'I just love\nsharing memories\nwith other processes\n';
    writeFileSync(poem, text);
    const shm = uniqueShmName(shmPrefix);
    const checks: [string, string[], string | undefined, (out: string) => void][] = [
      ['mm-cat', [poem], undefined, (out) => expect(out).toBe(text)],
      ['mm-counter', [join(work.path, 'counter.bin'), '-n', '1e5', '--sync', 'atomic'], undefined, (out) => expect(out.trim()).toBe('100000')],
      ['mm-db', ['add', join(work.path, 'people.db'), 'id=7', 'name=Ada', 'age=36'], undefined, (out) => expect(out.trim()).toBe('0')],
      ['mm-db', ['list', '--json', join(work.path, 'people.db')], undefined, (out) => expect(JSON.parse(out)).toEqual({ id: 7, name: 'Ada', age: 36 })],
      ['mm-maps', [poem], undefined, (out) => expect(out.split('\n').some((l) => l.includes(poem) && l.includes('r--s'))).toBe(true)],
      ['mm-anon', ['--delay', '0', poem], undefined, (out) => expect(out).toBe(text)],
      ['mm-shm', ['write', shm], 'through shm', (out) => expect(out).toBe('')],
      ['mm-shm', ['read', shm], undefined, (out) => expect(out).toBe('through shm')],
      ['mm-shm', ['rm', shm], undefined, (out) => expect(out).toBe('')],
      ['mm-tug', ['demo', '--sync', 'atomic', '--json', '--limit', '20000', '--name', uniqueShmName(shmPrefix)], undefined, (out) => {
        const r = JSON.parse(out.trim().split('\n').pop()!);
        expect(r.lost).toBe(0);
      }],
    ];
    for (const [tool, args, input, check] of checks) {
      const r = run(bin(tool), args, input);
      expect([tool, args.join(' '), r.status, r.stderr]).toEqual([tool, args.join(' '), 0, '']);
      check(r.stdout);
    }
    expect(shmObjects(shmPrefix)).toEqual([]);
  });
});
