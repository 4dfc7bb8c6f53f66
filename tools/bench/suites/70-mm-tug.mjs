// mm-tug: pulls per second of a game, racy (--sync none) vs atomic, against the same tug of
// war written in C (tools/bench/mm-tug/tug.c); and the lab's -O2 trap shown with spin.c.
// Throughput, not wall time, is what matters here (a game's length is a random walk), so each
// run is a game interrupted after a fixed time and the result's pulls / seconds is reported.
import { join } from 'node:path';
import { root } from '../harness.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n) => `${(n / 1e6).toFixed(1)}M pulls/s`;

export default async function (b) {
  b.section('mm-tug');
  const src = join(root, 'tools', 'bench', 'mm-tug');
  if (b.sh('command -v cc || true', { capture: true }).trim() === '') {
    console.log('skipping the C peer and the -O2 demonstration: no C compiler (cc)');
  } else {
    b.sh(`cc -O2 -o tug ${join(src, 'tug.c')}`);
    console.log('The lab\'s -O2 trap (spin.c: a player busy-waits on a plain int stop flag in shared memory):');
    for (const flags of ['-O0', '-O2', '-O2 -DATOMIC']) {
      b.sh(`cc ${flags} -o spin ${join(src, 'spin.c')}`);
      console.log(`  cc ${flags.padEnd(12)} → ${b.sh('./spin', { capture: true }).trim()}`);
    }
  }
  const runs = 3;
  const seconds = 3;
  for (const sync of ['none', 'atomic']) {
    // The demo is interrupted after `seconds`; its result covers the game from the start
    // (player start-up excluded), with the pulls both players made.
    const ours = `timeout -s INT ${seconds + 1} mm-tug demo --sync ${sync} --limit 2000M --json --name mmbench_tug_$$ 2>/dev/null; true`;
    const peer = `./tug ${sync} ${seconds}`;
    const rate = (cmd) => {
      const out = [];
      for (let i = 0; i < runs; i++) {
        const r = JSON.parse(b.sh(cmd, { capture: true }).trim());
        if (!(r.seconds > 0)) continue; // the players never started before the interrupt
        out.push({ rate: (r.leftPulls + r.rightPulls) / r.seconds, lost: r.lost, seconds: r.seconds, reason: r.reason });
      }
      return out;
    };
    const a = rate(ours);
    const line = (label, cmd, xs) => `  ${label}: median ${fmt(median(xs.map((x) => x.rate)))} (runs: ${xs.map((x) => fmt(x.rate)).join(', ')}; lost: ${xs.map((x) => x.lost).join(', ')})\n    $ ${cmd}`;
    console.log(`pulls per second, --sync ${sync}:`);
    console.log(line('mm-tug demo', ours, a));
    const hasPeer = b.sh('test -x tug && echo yes || true', { capture: true }).trim() === 'yes';
    if (hasPeer) {
      const p = rate(peer);
      console.log(line('C tug.c -O2', peer, p));
      const ratio = median(a.map((x) => x.rate)) / median(p.map((x) => x.rate));
      console.log(`  ratio mm-tug/C = ${ratio.toFixed(2)} (above 1.0: mm-tug pulls faster)`);
      b.results.push({ title: `mm-tug pulls/s --sync ${sync}`, a: { label: 'mm-tug', median: median(a.map((x) => x.rate)) }, b: { label: 'tug.c', median: median(p.map((x) => x.rate)) }, ratio });
    }
  }
}
