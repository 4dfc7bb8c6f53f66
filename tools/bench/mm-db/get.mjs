// 100,000 random gets by index, timed inside one process (so start-up is not counted):
//   node get.mjs mm FILE.db            — mm-db's library: openDatabase(FILE).get(i)
//   node get.mjs sqlite FILE.sqlite DIR — better-sqlite3 (installed in DIR): a prepared
//                                         SELECT … WHERE rowid = ? and .get(i + 1)
// Both touch every field of each record they get. Prints one JSON line: the median of
// the timed rounds in ms, plus a checksum so neither loop can be optimised away.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [kind, file, dir] = process.argv.slice(2);
const GETS = 100_000;
const ROUNDS = 7;

let get;
let count;
if (kind === 'mm') {
  const { openDatabase } = await import(new URL('../../../packages/mm-db/dist/index.js', import.meta.url).href);
  const db = openDatabase(file);
  count = db.count;
  get = (i) => db.get(i);
} else {
  const Database = createRequire(join(dir, 'node_modules', 'x.js'))('better-sqlite3');
  const db = new Database(file, { readonly: true });
  count = db.prepare('SELECT count(*) AS n FROM person').get().n;
  const stmt = db.prepare('SELECT id, name, age FROM person WHERE rowid = ?');
  get = (i) => stmt.get(i + 1);
}

let seed = 7;
const indices = new Uint32Array(GETS);
for (let k = 0; k < GETS; k++) indices[k] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % count;

let check = 0;
const times = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < GETS; k++) {
    const r = get(indices[k]);
    check = (check + r.id + r.age + r.name.length) | 0;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (round > 0) times.push(ms); // round 0 warms the caches and the JIT
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ kind, gets: GETS, rounds: ROUNDS, medianMs: times[ROUNDS >> 1], minMs: times[0], maxMs: times[ROUNDS - 1], check }));
