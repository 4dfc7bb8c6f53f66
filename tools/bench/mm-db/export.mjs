// The export loop alone, inside one process: mm-db's RecordWriter turning every record of
// FILE into NDJSON and writing it to /dev/null, 5 timed passes after a warm-up pass.
// Shows how much of `mm-db export` is Node.js start-up. Prints one JSON line.
import { openSync, closeSync } from 'node:fs';

const { openDatabase, RecordWriter } = await import(new URL('../../../packages/mm-db/dist/index.js', import.meta.url).href);
const { writeAll } = await import('@mm/core');
const db = openDatabase(process.argv[2]);
const fd = openSync('/dev/null', 'w');
const times = [];
let bytes = 0;
for (let pass = 0; pass < 6; pass++) {
  bytes = 0;
  const t0 = process.hrtime.bigint();
  const w = new RecordWriter(db, { format: 'json' }, (chunk) => {
    bytes += chunk.length;
    writeAll(fd, chunk);
  });
  w.writeRange(0, db.count);
  w.end();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (pass > 0) times.push(ms);
}
closeSync(fd);
times.sort((a, b) => a - b);
console.log(JSON.stringify({ records: db.count, bytes, medianMs: times[2], minMs: times[0], maxMs: times[4] }));
