// Start-up of the tools as users get them — each tool's tarball packed and installed alone
// (tools/packing.mjs), run through its installed bin — against `node -e 0`, the floor of any
// Node program: `mm-cat ONE-BYTE-FILE`, `mm-counter FILE --get`, `mm-maps --version`,
// `mm-shm ls`. Goal: ratio ≤ 1.2. Then the racy 10^9 mm-counter against the C program
// (tools/bench/mm-counter/counter.c), goal ≤ 1.2: the loop is native, the rest is start-up.
// Paired runs (100 pairs a row): the two commands alternate (A B, B A, …) so a busy neighbour slows both alike;
// medians of wall time, and the ratio of the medians. Also under Node 22/24/26 when the matrix
// check has installed them (tools/matrix). The warm-up runs fill the bins' code cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, median, root } from '../harness.mjs';
import { installTarball, nodeAndShOnly, packWorkspaces } from '../../packing.mjs';

/** Times argv `a` and `b` alternately, `runs` times each after `warmup` of each; medians in ms. */
function paired(a, b, { runs, warmup, cwd, env }) {
  const once = (argv) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`bench command failed (exit ${r.status ?? r.signal}): ${argv.join(' ')}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const [ta, tb] = alternate(a, b, once, { runs, warmup });
  return { a: median(ta), b: median(tb), ratio: median(ta) / median(tb), runs };
}

export default async function (bench) {
  bench.section('start-up of the installed tools (tarball installed alone), paired with node -e 0');
  const tools = ['mm-cat', 'mm-counter', 'mm-maps', 'mm-shm'];
  const work = join(bench.dir, 'startup');
  const tarballs = packWorkspaces(join(work, 'tgz'), tools);
  const safeBin = nodeAndShOnly(join(work, 'safebin'));
  const bin = {};
  for (const t of tools) bin[t] = join(installTarball(tarballs[t], join(work, 'prefix', t), { safeBin, cache: join(work, 'cache', t), cwd: work }), 'bin', t);
  bench.sh('printf x > one.txt && rm -f counter.bin');
  spawnSync(bin['mm-counter'], ['counter.bin', '-n', '10'], { cwd: bench.dir, env: { ...bench.env, PATH: `${safeBin}:${bench.env.PATH}` } });

  const nodes = [['node ' + process.version, process.execPath]];
  for (const v of ['node22', 'node24', 'node26']) {
    const exe = join(root, 'tools', 'matrix', 'node_modules', v, 'bin', 'node');
    if (existsSync(exe)) nodes.push([`node ${spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout.trim()}`, exe]);
  }
  if (nodes.length === 1) console.log('(Node 22/24/26 not installed in tools/matrix: run the matrix check once to time them too)');
  for (const [label, exe] of nodes) {
    // The installed bins are sh lines that exec `node`: this PATH decides which node that is.
    const pathDir = join(work, `path-${label.replace(/\W/g, '')}`);
    mkdirSync(pathDir, { recursive: true });
    if (!existsSync(join(pathDir, 'node'))) symlinkSync(exe, join(pathDir, 'node'));
    const env = { ...bench.env, PATH: `${pathDir}:${bench.env.PATH}` };
    console.log(`\n${label}`);
    for (const [what, argv] of /** @type {[string, string[]][]} */ ([
      ['mm-cat one.txt (a 1-byte file)', [bin['mm-cat'], 'one.txt']],
      ['mm-counter counter.bin --get', [bin['mm-counter'], 'counter.bin', '--get']],
      ['mm-maps --version', [bin['mm-maps'], '--version']],
      ['mm-shm ls', [bin['mm-shm'], 'ls']],
    ])) {
      const m = paired(argv, [exe, '-e', '0'], { runs: 100, warmup: 3, cwd: bench.dir, env });
      console.log(`  ${what}: median ${m.a.toFixed(1)} ms vs node -e 0 ${m.b.toFixed(1)} ms, ratio ${m.ratio.toFixed(2)} (goal ≤ 1.2, n=${m.runs} pairs)`);
      bench.results.push({ title: `start-up ${label}: ${what} vs node -e 0`, a: { label: what.split(' (')[0], median: m.a, cmd: argv.map((x) => x.replace(/.*\/bin\//, 'PREFIX/bin/')).join(' ') }, b: { label: 'node -e 0', median: m.b, cmd: 'node -e 0' }, ratio: m.ratio, goal: 1.2, unit: 'ms' });
    }
  }
  console.log(`  $ ${join('PREFIX', 'bin', 'mm-cat')} one.txt   (PREFIX: npm i -g --prefix PREFIX --offline mm-cat-*.tgz, empty cache)`);

  if (spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status !== 0) {
    console.log("skipping the racy 10^9 mm-counter vs C: 'cc' is not installed");
    return;
  }
  bench.sh(`cc -O2 -o counter-c ${JSON.stringify(join(root, 'tools', 'bench', 'mm-counter', 'counter.c'))}`);
  const env = { ...bench.env, PATH: `${safeBin}:${bench.env.PATH}` };
  const m = paired([bin['mm-counter'], 'mm.bin', '-n', '1e9', '--sync', 'none'], ['./counter-c', 'c.bin', '1000000000', 'none'], { runs: 7, warmup: 1, cwd: bench.dir, env });
  console.log(`\n10^9 racy increments, installed mm-counter vs C -O2: median ${m.a.toFixed(1)} ms vs ${m.b.toFixed(1)} ms, ratio ${m.ratio.toFixed(2)} (goal ≤ 1.2, n=${m.runs} pairs)\n  $ mm-counter mm.bin -n 1e9 --sync none   vs   ./counter c.bin 1000000000 none`);
  bench.results.push({ title: '10^9 racy increments, installed mm-counter vs C', a: { label: 'mm-counter', median: m.a, cmd: 'mm-counter mm.bin -n 1e9 --sync none' }, b: { label: 'C -O2', median: m.b, cmd: './counter c.bin 1000000000 none' }, ratio: m.ratio, goal: 1.2, unit: 'ms' });
  bench.sh('rm -f mm.bin c.bin counter-c one.txt counter.bin');
}
