#!/usr/bin/env node
// npm run bench [-- SUITE...]: runs every suite in tools/bench/suites (or those whose file
// name contains one of the arguments). Each suite exports `default async (b) => {}` and
// uses the harness in ./harness.mjs. Run `npm run build` first.
import { readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBench } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const suites = readdirSync(join(here, 'suites')).filter((f) => f.endsWith('.mjs')).sort().filter((f) => !only.length || only.some((o) => f.includes(o)));
const b = createBench();
console.log(`# mm bench — ${new Date().toISOString()} — node ${process.version} — timer: ${b.usingHyperfine ? 'hyperfine' : 'built-in'}`);
let failed = 0;
try {
  for (const file of suites) {
    try {
      const mod = await import(pathToFileURL(join(here, 'suites', file)).href);
      await mod.default(b);
    } catch (e) {
      failed++;
      console.log(`suite ${file} failed: ${e.message}`);
    }
  }
} finally {
  b.close();
}
const out = process.env.MM_BENCH_JSON;
if (out) writeFileSync(out, JSON.stringify(b.results, null, 2));
process.exitCode = failed ? 1 : 0;
