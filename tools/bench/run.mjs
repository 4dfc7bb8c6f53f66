#!/usr/bin/env node
// npm run bench [-- [--json FILE] SUITE...]: runs every suite in tools/bench/suites (or those
// whose file name contains one of the arguments), then prints one table of every row they
// recorded (ours, peer, ratio, goal, met). Each suite exports `default async (b) => {}` and
// uses the harness in ./harness.mjs. With --json (or MM_BENCH_JSON) the run is saved, with
// the machine and date, for tools/bench/report.mjs to turn into docs/performance.md.
// Run `npm run build` first.
import { readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBench } from './harness.mjs';
import { machineInfo, scrub, table } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const out = jsonAt >= 0 ? args[jsonAt + 1] : process.env.MM_BENCH_JSON;
const only = args.filter((a, i) => !a.startsWith('--') && !(jsonAt >= 0 && i === jsonAt + 1));
const suites = readdirSync(join(here, 'suites')).filter((f) => f.endsWith('.mjs')).sort().filter((f) => !only.length || only.some((o) => f.includes(o)));
const meta = machineInfo();
const b = createBench();
console.log(`# mm bench — ${meta.date} — node ${meta.node} — ${meta.cpu}, ${meta.cores} cores — load ${meta.load} — timer: built-in for pairs (interleaved), ${b.usingHyperfine ? 'hyperfine' : 'built-in'} for single commands`);
if (process.env.NODE_EXTRA_CA_CERTS !== undefined) console.log('(NODE_EXTRA_CA_CERTS is set here; every command runs without it: the bins keep it from Node, and `node -e 0` is timed as a bare Node start)');
let failed = 0;
try {
  for (const file of suites) {
    const name = file.replace(/^\d+-/, '').replace(/\.mjs$/, '');
    const before = b.results.length;
    b.setSuite(name);
    try {
      const mod = await import(pathToFileURL(join(here, 'suites', file)).href);
      await mod.default(b);
    } catch (e) {
      failed++;
      console.log(`suite ${file} failed: ${e.message}`);
      b.results.push({ suite: name, title: `suite failed: ${e.message}` });
    }
    // Rows a suite pushed by hand belong to it too.
    for (const row of b.results.slice(before)) row.suite ??= name;
  }
} finally {
  b.close();
}
meta.loadAfter = loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`\n# Report (medians; ratio = ours/peer; load average now ${meta.loadAfter})\n`);
console.log(table(b.results));
if (out) writeFileSync(out, scrub(JSON.stringify({ meta, rows: b.results }, null, 2)) + '\n');
process.exitCode = failed ? 1 : 0;
