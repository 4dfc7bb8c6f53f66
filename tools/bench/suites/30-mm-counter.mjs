// mm-counter vs the project's C reference (tools/bench/mm-counter/counter.c, built here with
// cc -O2): 10^9 increments of a shared-file int32 in one process, racy and atomic.
// Goal: ratio ≤ 1.2 in both modes (the loop is native; what is left is Node's start-up).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('mm-counter');
  if (spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status !== 0) {
    console.log("skipping mm-counter vs C: 'cc' is not installed");
    return;
  }
  b.sh(`cc -O2 -o counter ${JSON.stringify(join(root, 'tools', 'bench', 'mm-counter', 'counter.c'))}`);
  b.sh('rm -f mm.bin c.bin js.bin');
  b.compare(
    '10^9 racy increments (--sync none: volatile load + store), one process',
    { label: 'mm-counter', cmd: 'mm-counter mm.bin -n 1e9 --sync none' },
    { label: 'C -O2', cmd: './counter c.bin 1000000000 none' },
    { runs: 7, warmup: 1, goal: 1.2 },
  );
  b.compare(
    '10^9 atomic increments (--sync atomic: lock xadd), one process',
    { label: 'mm-counter', cmd: 'mm-counter mm.bin -n 1e9 --sync atomic' },
    { label: 'C -O2', cmd: './counter c.bin 1000000000 atomic' },
    { runs: 3, warmup: 1, goal: 1.2 },
  );
  // A racy 10^9 loop takes C about a third of a second, so Node's start-up weighs in the ratio
  // above: show that floor, and the same pair at 10^10 where it is spread over 10× the work.
  b.time('start-up floor: mm-counter -n 0 (load @mm/core, map, print)', 'mm-counter mm.bin -n 0', { runs: 10, warmup: 2 });
  b.time('start-up floor: node -e 0', `${process.execPath} -e 0`, { runs: 10, warmup: 2 });
  b.compare(
    '10^10 racy increments, one process (the int32 wraps; speed does not care)',
    { label: 'mm-counter', cmd: 'mm-counter mm.bin -n 1e10 --sync none' },
    { label: 'C -O2', cmd: './counter c.bin 10000000000 none' },
    { runs: 3, warmup: 1 },
  );
  // For scale: the same racy loop written in JavaScript over the mapping (a[0]++), 10^9 times.
  const core = join(root, 'packages', 'core', 'dist', 'index.js');
  b.time(
    'for scale: plain JavaScript a[0]++ over the same kind of mapping, 10^9 times',
    `node --input-type=module -e "const mm = await import('${core}'); const a = new Int32Array(mm.openMapping('js.bin', { access: 'rw', create: true, size: 4 }).buffer); for (let i = 0; i < 1e9; i++) a[0]++;"`,
    { runs: 3, warmup: 0 },
  );
  // The machine may be shared: also time CPU (user+sys) of the pair run alternately, which a
  // busy neighbour disturbs less than wall time measured minutes apart.
  const cpu = (cmd) => Number(b.sh(`TIMEFORMAT=%3U+%3S; { time ${cmd} >/dev/null 2>&1; } 2>&1 | bc`, { capture: true }).trim()) * 1000;
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  for (const [sync, runs] of [['none', 7], ['atomic', 3]]) {
    const a = [];
    const c = [];
    for (let i = 0; i < runs; i++) {
      a.push(cpu(`mm-counter mm.bin -n 1e9 --sync ${sync}`));
      c.push(cpu(`./counter c.bin 1000000000 ${sync}`));
    }
    console.log(`CPU time (user+sys), alternating, ${sync}: mm-counter median ${median(a).toFixed(0)} ms, C median ${median(c).toFixed(0)} ms, ratio ${(median(a) / median(c)).toFixed(2)} (n=${runs})`);
  }
  b.sh('rm -f mm.bin');
  const json = (sync) => JSON.parse(b.sh(`mm-counter mm.bin -n 1e9 --sync ${sync} --json`, { capture: true }));
  for (const sync of ['none', 'atomic']) {
    const j = json(sync);
    console.log(`mm-counter --json, ${sync}: loop ${j.elapsed_ms} ms, ${j.ns_per_increment} ns per increment`);
  }
  b.sh('rm -f mm.bin c.bin js.bin counter');
}
