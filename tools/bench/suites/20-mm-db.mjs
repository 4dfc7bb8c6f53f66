// mm-db vs SQLite on 1,000,000 person records: import NDJSON, export NDJSON (vs sqlite3 -json)
// and CSV (vs sqlite3 -csv -header), list vs export, the peak RSS of exporting 10,000,000
// records, and 100,000 random gets by index through mm-db's library (vs a better-sqlite3
// prepared statement by rowid). Goals: export ≥ 3× faster than sqlite3 (ratio ≤ 0.33) in
// both formats, list no slower than export, bounded memory, get ≥ 10× faster.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../harness.mjs';

const RECORDS = 1_000_000;
const fixtures = join(root, 'tools', 'bench', 'mm-db');

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** better-sqlite3@12 in a cache dir under the system temp dir (it may compile from source the first time). */
function betterSqlite() {
  const dir = join(tmpdir(), 'mm-db-bench-better-sqlite3-12');
  const loads = () => {
    try {
      createRequire(join(dir, 'node_modules', 'x.js'))('better-sqlite3');
      return true;
    } catch {
      return false;
    }
  };
  if (loads()) return dir;
  mkdirSync(dir, { recursive: true });
  console.log(`installing better-sqlite3@12 into ${dir} (may compile from source, minutes) …`);
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', 'better-sqlite3@12'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !loads()) return { skip: `npm install better-sqlite3@12 failed (exit ${r.status})` };
  return dir;
}

export default async function (b) {
  b.section(`mm-db — ${RECORDS.toLocaleString('en')} person records (struct person: 40 bytes)`);
  b.sh(`node '${join(fixtures, 'people.mjs')}' ${RECORDS} > people.ndjson`);
  const ndjsonBytes = Number(b.sh('stat -c %s people.ndjson', { capture: true }).trim());
  console.log(`input: people.ndjson, ${ndjsonBytes} bytes; e.g. ${b.sh('head -1 people.ndjson', { capture: true }).trim()}`);
  b.sh('mm-db import people.db people.ndjson');
  const sqlite = have('sqlite3');
  if (!sqlite) console.log("skipping the SQLite half: 'sqlite3' is not installed (apt-get install sqlite3)");

  // SQLite reads NDJSON as one text column (separator \037 never occurs), then extracts the fields.
  writeFileSync(
    join(b.dir, 'import.sql'),
    [
      'CREATE TABLE person(id INTEGER, name TEXT, age INTEGER);',
      'CREATE TEMP TABLE raw(j TEXT);',
      '.mode ascii',
      '.separator "\\037" "\\n"',
      '.import people.ndjson raw',
      "INSERT INTO person SELECT j->>'id', j->>'name', j->>'age' FROM raw;",
      '',
    ].join('\n'),
  );

  const mmImport = { label: 'mm-db import', cmd: 'mm-db import imported.db people.ndjson' };
  const sqImport = { label: 'sqlite3 .import', cmd: 'sqlite3 imported.sqlite < import.sql' };
  if (sqlite) {
    b.sh(`sqlite3 people.sqlite < import.sql`);
    b.compare('import 1M records from NDJSON into a fresh file', mmImport, sqImport, { runs: 5, prepare: 'rm -f imported.db imported.sqlite' });
    b.compare(
      'export 1M records as NDJSON (goal: mm-db ≥ 3× faster, ratio ≤ 0.33)',
      { label: 'mm-db export', cmd: 'mm-db export people.db' },
      { label: 'sqlite3 -json', cmd: "sqlite3 -json people.sqlite 'SELECT * FROM person'" },
      { runs: 11, goal: 0.33 },
    );
    b.compare(
      'export 1M records as CSV (goal: ratio ≤ 0.33)',
      { label: 'mm-db export --csv', cmd: 'mm-db export --csv people.db' },
      { label: 'sqlite3 -csv -header', cmd: "sqlite3 -csv -header people.sqlite 'SELECT * FROM person'" },
      { runs: 11, goal: 0.33 },
    );
  } else {
    b.time('mm-db import (1M records from NDJSON)', mmImport.cmd, { runs: 5, prepare: 'rm -f imported.db' });
    b.time('mm-db export (1M records as NDJSON)', 'mm-db export people.db', { runs: 10 });
  }
  b.sh('rm -f imported.db imported.sqlite');
  b.compare('list (TSV when piped) vs export, 1M records (goal: list no slower, ratio ≤ 1.0)', { label: 'mm-db list', cmd: 'mm-db list people.db' }, { label: 'mm-db export', cmd: 'mm-db export people.db' }, { runs: 21, goal: 1.0 });
  // 10,000,000 records (400 MB): ten copies of the file; peak RSS from GNU time's %M (KiB).
  b.sh('for i in 0 1 2 3 4 5 6 7 8 9; do cat people.db; done > people10m.db');
  const peak = Number(b.sh('/usr/bin/time -f %M mm-db export people10m.db 2>&1 >/dev/null | tail -1', { capture: true }).trim());
  const lines = b.sh('mm-db export people10m.db | wc -l', { capture: true }).trim();
  console.log(`peak RSS exporting 10,000,000 records (${lines} lines): ${(peak / 1024).toFixed(1)} MiB (goal ≤ 100 MiB, whatever the file size)\n  $ /usr/bin/time -f %M mm-db export people10m.db > /dev/null`);
  b.record('peak RSS, export of 10,000,000 records (400 MB file)', { ours: { label: 'mm-db export', value: peak, cmd: '/usr/bin/time -f %M mm-db export people10m.db > /dev/null' }, unit: 'KiB', goal: 100 * 1024, goalOf: 'value' });
  b.sh('rm -f people10m.db');
  if (sqlite) {
    const same = b.sh(`cmp <(mm-db export people.db) <(sqlite3 -json people.sqlite 'SELECT * FROM person' | sed -e 's/^\\[//' -e 's/,$//' -e 's/\\]$//') && echo same`, { capture: true, allowFail: true });
    console.log(`same records from both exports: ${same.trim() === 'same' ? 'yes' : 'NO'}`);
    const sameCsv = b.sh(`cmp <(mm-db export --csv people.db) <(sqlite3 -csv -header people.sqlite 'SELECT * FROM person' | tr -d '\\r"') && echo same`, { capture: true, allowFail: true });
    console.log(`same records from both CSV exports (sqlite3 quotes names with a space, so quotes are dropped before comparing): ${sameCsv.trim() === 'same' ? 'yes' : 'NO'}`);
  }

  const loop = JSON.parse(b.sh(`node '${join(fixtures, 'export.mjs')}' people.db`, { capture: true }));
  console.log(`export loop alone, in-process (RecordWriter → /dev/null, median of 5 passes): ${loop.medianMs.toFixed(1)} ms (min ${loop.minMs.toFixed(1)}, max ${loop.maxMs.toFixed(1)}) for ${loop.bytes} bytes\n    $ node tools/bench/mm-db/export.mjs people.db`);
  b.record('export loop alone, in-process (RecordWriter → /dev/null)', { ours: { label: 'RecordWriter', value: loop.medianMs, cmd: 'node tools/bench/mm-db/export.mjs people.db' }, unit: 'ms' });

  // Random gets, timed inside one process each (start-up excluded; 7 timed rounds after a warm-up round).
  const getScript = join(fixtures, 'get.mjs');
  const mm = JSON.parse(b.sh(`node '${getScript}' mm people.db`, { capture: true }));
  console.log(`100,000 random gets by index, in-process (median of ${mm.rounds} rounds)\n  mm-db Database.get: median ${mm.medianMs.toFixed(1)} ms (min ${mm.minMs.toFixed(1)}, max ${mm.maxMs.toFixed(1)}) = ${((mm.medianMs * 1e6) / mm.gets).toFixed(0)} ns/get\n    $ node tools/bench/mm-db/get.mjs mm people.db`);
  if (!sqlite) return;
  const dir = betterSqlite();
  if (typeof dir !== 'string') {
    console.log(`  skipping better-sqlite3: ${dir.skip}`);
    b.results.push({ title: '100k random gets (in-process)', a: { label: 'mm-db get', median: mm.medianMs }, skipped: dir.skip });
    return;
  }
  const sq = JSON.parse(b.sh(`node '${getScript}' sqlite people.sqlite '${dir}'`, { capture: true }));
  const ratio = mm.medianMs / sq.medianMs;
  console.log(`  better-sqlite3 stmt.get(rowid): median ${sq.medianMs.toFixed(1)} ms (min ${sq.minMs.toFixed(1)}, max ${sq.maxMs.toFixed(1)}) = ${((sq.medianMs * 1e6) / sq.gets).toFixed(0)} ns/get\n    $ node tools/bench/mm-db/get.mjs sqlite people.sqlite <better-sqlite3 dir>`);
  console.log(`  ratio mm-db/better-sqlite3 = ${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}× faster; goal ≤ 0.1)${mm.check === sq.check ? '' : ' — CHECKSUMS DIFFER'}`);
  b.results.push({ title: '100k random gets (in-process)', a: { label: 'mm-db get', median: mm.medianMs }, b: { label: 'better-sqlite3 get', median: sq.medianMs }, ratio, goal: 0.1 });
}
