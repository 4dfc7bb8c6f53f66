// A pass over every record (export, list): block by block, with bounded memory, and the
// output still imports back into the same bytes.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSmaps } from '@mm/core';
import { runBash, tempDir, binDir } from '@mm/testkit';
import { layoutSchema, openDatabase, parseCompactSchema, RecordWriter, PASS_BLOCK } from '../src/index.js';

const tmp = tempDir('mm-db-pass-');
const launchers = binDir();
afterAll(() => {
  tmp.cleanup();
  launchers.cleanup();
});

const PERSON = parseCompactSchema('id:u32,name:char[32],age:u32');

/** `count` person records, every one different (names with digits, a comma or a quote now and then). */
function people(count: number): Buffer {
  const b = Buffer.alloc(count * 40);
  for (let i = 0; i < count; i++) {
    const base = i * 40;
    b.writeUInt32LE(i + 1, base);
    b.write(i % 1000 === 7 ? `O"Neil, ${i}` : `Person ${i}`, base + 4, 'latin1');
    b.writeUInt32LE(i % 100, base + 36);
  }
  return b;
}

describe('a pass over every record', () => {
  // Three blocks and a bit: the pass crosses block boundaries mid-way through a record.
  const count = Math.floor((3 * PASS_BLOCK) / 40) + 123;
  const file = join(tmp.path, 'people.db');
  writeFileSync(file, people(count));

  it("keeps a bounded part of the file resident in this process's page tables, not the whole file", () => {
    const db = openDatabase(file, { schema: layoutSchema(PERSON) });
    let maxRss = 0;
    let bytes = 0;
    let lines = 0;
    const w = new RecordWriter(db, { format: 'json', bufferSize: 1 << 20 }, (chunk) => {
      bytes += chunk.length;
      for (const c of chunk) if (c === 10) lines++;
      const entry = readSmaps('self').find((e) => e.path === file);
      if (entry) maxRss = Math.max(maxRss, entry.fields.Rss ?? 0);
    });
    w.writeRange(0, db.count);
    w.end();
    db.close();
    expect(lines).toBe(count);
    expect(bytes).toBeGreaterThan(count * 30);
    // Sampled at every flush: the block being formatted (the kernel may map it in pieces of
    // up to 2 MiB around it), never the whole file of 3 blocks and more.
    expect(maxRss).toBeGreaterThan(0);
    expect(maxRss).toBeLessThanOrEqual(2 * PASS_BLOCK);
  });

  it('export | import and list --csv | import give back the same bytes', async () => {
    const r = await runBash(
      `set -e
       mm-db export people.db > out.ndjson
       mm-db import copy.db out.ndjson
       cmp copy.db people.db
       mm-db list --csv people.db | mm-db import --csv copy-csv.db
       cmp copy-csv.db people.db
       wc -l < out.ndjson`,
      { cwd: tmp.path, env: launchers.env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(r.stdout.toString().trim())).toBe(count);
    expect(readFileSync(join(tmp.path, 'out.ndjson')).toString().split('\n', 8)[7]).toBe('{"id":8,"name":"O\\"Neil, 7","age":7}');
  });
});

describe('CSV blanks', () => {
  it('a blank inside a value stays unquoted; a leading or trailing one is quoted; both import back', async () => {
    const r = await runBash(
      `set -e
       printf 'name\\n" lead"\\n"trail "\\nin side\\n"a,b"\\n' > blanks.csv
       mm-db import --csv --schema 'name:char[16]' blanks.db blanks.csv
       mm-db list --csv --schema 'name:char[16]' blanks.db | tee out.csv
       mm-db import --csv --schema 'name:char[16]' again.db out.csv
       cmp blanks.db again.db && echo same`,
      { cwd: tmp.path, env: launchers.env },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('name\n" lead"\n"trail "\nin side\n"a,b"\nsame\n');
  });
});
