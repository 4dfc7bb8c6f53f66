// futex: the round trip of a ping-pong between two processes through one shared 32-bit word,
// @mm/core's futexWait/futexWake (sync form, and the async form) against the same protocol
// in C (tools/bench/futex/peer.c); and the CPU a waiting mm-tug player uses over 2 s.
// Every number is a median of runs that alternate between the contenders.
import { join } from 'node:path';
import { root } from '../harness.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const us = (ns) => `${(ns / 1000).toFixed(1)} µs`;

export default async function (b) {
  b.section('futex');
  // Paths are printed relative to the repository root.
  const dir = join(root, 'tools', 'bench', 'futex');
  const hasCc = b.sh('command -v cc || true', { capture: true }).trim() !== '';
  if (hasCc) b.sh(`cc -O2 -o peer ${join(dir, 'peer.c')}`);
  else console.log('skipping the C ping-pong: no C compiler (cc)');
  const rounds = 20000;
  const runs = 5;
  const word = 'pingpong.bin';
  const shown = (cmd) => cmd.replaceAll(`${root}/`, '');
  const node = (form, n = rounds) => `node ${join(dir, 'pingpong.mjs')} pong ${word} 0 ${n} ${form} & node ${join(dir, 'pingpong.mjs')} ping ${word} 0 ${n} ${form}; wait`;
  const contenders = [
    { label: 'Node sync (futexWait)', cmd: node('sync') },
    { label: 'Node async (futexWaitAsync)', cmd: node('async', 2000) },
    ...(hasCc ? [{ label: 'C (futex(2))', cmd: `./peer pong ${word} 0 ${rounds} & ./peer ping ${word} 0 ${rounds}; wait` }] : []),
  ];
  const times = new Map(contenders.map((c) => [c.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of contenders) {
      b.sh(`head -c 4096 /dev/zero > ${word}`);
      const out = b.sh(c.cmd, { capture: true }).trim().split(/\s+/);
      times.get(c.label).push(Number(out[1]));
    }
  }
  console.log(`ping-pong round trip between two processes through one shared word (${rounds} rounds after 1000 warm-up rounds; async: 2000):`);
  for (const c of contenders) {
    const xs = times.get(c.label);
    console.log(`  ${c.label}: median ${us(median(xs))} (runs: ${xs.map(us).join(', ')})\n    $ ${shown(c.cmd)}`);
  }
  if (hasCc) {
    const c = median(times.get('C (futex(2))'));
    const sync = median(times.get('Node sync (futexWait)'));
    const async = median(times.get('Node async (futexWaitAsync)'));
    console.log(`  ratio Node sync/C = ${(sync / c).toFixed(2)} (goal ≤ 1.5); Node async/C = ${(async / c).toFixed(2)} (reported)`);
    b.results.push({ title: 'futex ping-pong round trip, sync', a: { label: 'Node futexWait', median: sync / 1000 }, b: { label: 'C futex(2)', median: c / 1000 }, ratio: sync / c, goal: 1.5, unit: 'µs' });
    b.results.push({ title: 'futex ping-pong round trip, async', a: { label: 'Node futexWaitAsync', median: async / 1000 }, b: { label: 'C futex(2)', median: c / 1000 }, ratio: async / c, unit: 'µs' });
  }

  // A player waiting for its opponent: CPU ticks (utime + stime, /proc/PID/stat) over 2 s,
  // measured 3 s after it joined (start-up work done).
  const name = `mmbench_futex_${process.pid}`;
  const ticks = [];
  for (let i = 0; i < 3; i++) {
    const out = b.sh(
      `mm-tug arbiter --name ${name} --timeout 30 > /dev/null 2>&1 & A=$!
       while [ ! -e /dev/shm/${name} ]; do sleep 0.05; done
       mm-tug left --name ${name} > /dev/null 2>&1 & L=$!
       sleep 3; t0=$(awk '{print $14+$15}' /proc/$L/stat); sleep 2; t1=$(awk '{print $14+$15}' /proc/$L/stat)
       kill -INT $L; wait $L; kill -INT $A; wait $A
       echo $((t1 - t0))`,
      { capture: true, allowFail: true },
    );
    ticks.push(Number(out.trim().split('\n').pop()));
  }
  console.log(`CPU of a waiting mm-tug player over 2 s: ${ticks.join(', ')} ticks (goal 0; clock ticks of ${b.sh('getconf CLK_TCK', { capture: true }).trim()} Hz)\n    $ mm-tug arbiter --name NAME & mm-tug left --name NAME & sleep 3; (utime+stime of left over the next 2 s)`);
  b.results.push({ label: 'waiting mm-tug player, CPU ticks over 2 s', median: median(ticks), runs: ticks.length, unit: 'ticks' });
}
