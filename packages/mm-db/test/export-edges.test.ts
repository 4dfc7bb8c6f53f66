// Export of edge values: the generated line writer against the values that leave its fast
// path (negative and 64-bit extremes, -0/NaN/infinities, text with quotes, backslashes,
// control bytes, raw non-UTF-8 bytes, blanks at the edges, commas), byte for byte, and the
// output of every line format that import reads goes back into the same file bytes.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBash, tempDir, binDir } from '@mm/testkit';
import { layoutSchema, openDatabase, parseCompactSchema, RecordWriter, type LineFormat } from '../src/index.js';

const tmp = tempDir('mm-db-edges-');
const launchers = binDir();
afterAll(() => {
  tmp.cleanup();
  launchers.cleanup();
});

const SCHEMA = 'a:i8,b:i16,c:i32,d:i64,e:u8,f:u16,g:u32,h:u64,x:f32,y:f64,z:bool,t:char[12],w:i16[3]';
const layout = layoutSchema(parseCompactSchema(SCHEMA));
const file = join(tmp.path, 'edges.db');

const ROWS: Array<Record<string, unknown>> = [
  { a: -128, b: -32768, c: -2147483648, d: -(2n ** 63n), e: 0, f: 0, g: 0, h: 0n, x: -0, y: -0, z: false, t: 'plain', w: [-1, 0, 1] },
  { a: 127, b: 32767, c: 2147483647, d: 2n ** 63n - 1n, e: 255, f: 65535, g: 4294967295, h: 2n ** 64n - 1n, x: NaN, y: NaN, z: true, t: 'say "hi"', w: [-32768, 32767, 9] },
  { a: -9, b: -10, c: -99, d: -(2n ** 53n), e: 10, f: 100, g: 1000000, h: 2n ** 53n, x: Infinity, y: -Infinity, z: true, t: 'back\\slash', w: [] },
  { a: 0, b: 1, c: 9, d: 2n ** 53n - 1n, e: 9, f: 10, g: 99, h: 2n ** 53n + 1n, x: -Infinity, y: Infinity, z: false, t: 'tab\there\n', w: [5] },
  { a: 1, b: 2, c: 3, d: -1n, e: 4, f: 5, g: 6, h: 7n, x: 0.1, y: 5e-324, z: false, t: '\x01\x1f\x7f', w: [1, 2, 3] },
  { a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6, g: 7, h: 8n, x: 3.4028234663852886e38, y: -1.7976931348623157e308, z: true, t: 'raw \udcff\udc80', w: [0, 0, 0] },
  { a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6, g: 7, h: 8n, x: 1.5, y: 123456789.125, z: true, t: ' lead,comma', w: [0, 0, 0] },
  { a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6, g: 7, h: 8n, x: -2.5, y: 1e21, z: true, t: 'trail ', w: [0, 0, 0] },
  { a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6, g: 7, h: 8n, x: 1e-45, y: -1e-7, z: true, t: 'héllo ✓', w: [0, 0, 0] },
  { a: 1, b: 2, c: 3, d: 4n, e: 5, f: 6, g: 7, h: 8n, x: 0, y: 0, z: false, t: '', w: [0, 0, 0] },
];

{
  const db = openDatabase(file, { schema: layout, create: true });
  db.add(...(ROWS));
  db.close();
}

/** What RecordWriter writes for every record, by the whole-file pass or one record at a time. */
function written(format: LineFormat, how: 'range' | 'each', index = false): string {
  const db = openDatabase(file, { schema: layout });
  const chunks: Buffer[] = [];
  const w = new RecordWriter(db, { format, index, bufferSize: 256 }, (c) => chunks.push(Buffer.from(c)));
  w.header();
  if (how === 'range') w.writeRange(0, db.count);
  else for (let i = 0; i < db.count; i++) w.write(i);
  w.end();
  db.close();
  return Buffer.concat(chunks).toString('latin1');
}

describe('export of edge values', () => {
  it('prints integer extremes, -0, NaN, infinities and escaped text as NDJSON', () => {
    const lines = written('json', 'range').split('\n');
    expect(lines[0]).toBe('{"a":-128,"b":-32768,"c":-2147483648,"d":-9223372036854775808,"e":0,"f":0,"g":0,"h":0,"x":-0,"y":-0,"z":false,"t":"plain","w":[-1,0,1]}');
    expect(lines[1]).toBe('{"a":127,"b":32767,"c":2147483647,"d":9223372036854775807,"e":255,"f":65535,"g":4294967295,"h":18446744073709551615,"x":"NaN","y":"NaN","z":true,"t":"say \\"hi\\"","w":[-32768,32767,9]}');
    expect(lines[2]).toBe('{"a":-9,"b":-10,"c":-99,"d":-9007199254740992,"e":10,"f":100,"g":1000000,"h":9007199254740992,"x":"Infinity","y":"-Infinity","z":true,"t":"back\\\\slash","w":[0,0,0]}');
    expect(lines[3]).toBe('{"a":0,"b":1,"c":9,"d":9007199254740991,"e":9,"f":10,"g":99,"h":9007199254740993,"x":"-Infinity","y":"Infinity","z":false,"t":"tab\\there\\n","w":[5,0,0]}');
    expect(lines[4]).toBe('{"a":1,"b":2,"c":3,"d":-1,"e":4,"f":5,"g":6,"h":7,"x":0.1,"y":5e-324,"z":false,"t":"\\u0001\\u001f\x7f","w":[1,2,3]}');
    expect(lines[9]).toBe('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"x":0,"y":0,"z":false,"t":"","w":[0,0,0]}');
    expect(lines).toHaveLength(ROWS.length + 1);
  });

  it('quotes CSV cells with a quote, a comma, a line break or a blank at an edge, and escapes TSV text', () => {
    const csv = written('csv', 'range').split('\n');
    expect(csv[2]).toBe('127,32767,2147483647,9223372036854775807,255,65535,4294967295,18446744073709551615,nan,nan,true,"say ""hi""","-32768,32767,9"');
    // The line break inside row 3's text stays inside its quotes: that row takes two lines.
    expect(csv[4]).toBe('0,1,9,9007199254740991,9,10,99,9007199254740993,-inf,inf,false,"tab\there');
    expect(csv[5]).toBe('","5,0,0"');
    expect(csv[7]).toBe('1,2,3,4,5,6,7,8,3.4028235e+38,-1.7976931348623157e+308,true,raw \xff\x80,"0,0,0"');
    expect(csv[8]).toBe('1,2,3,4,5,6,7,8,1.5,123456789.125,true," lead,comma","0,0,0"');
    expect(csv[9]).toBe('1,2,3,4,5,6,7,8,-2.5,1e+21,true,"trail ","0,0,0"');
    const tsv = written('tsv', 'range').split('\n');
    expect(tsv[4]).toBe('0\t1\t9\t9007199254740991\t9\t10\t99\t9007199254740993\t-inf\tinf\tfalse\ttab\\there\\n\t5,0,0');
    expect(tsv[6]).toBe('1\t2\t3\t4\t5\t6\t7\t8\t3.4028235e+38\t-1.7976931348623157e+308\ttrue\traw \\xff\\x80\t0,0,0');
  });

  it('writes the same bytes record by record as in one pass, in every format, with and without the index', () => {
    for (const format of ['json', 'csv', 'tsv'] as const) {
      for (const index of [false, true]) expect(written(format, 'each', index)).toBe(written(format, 'range', index));
    }
  });

  it('export | import and list --csv | import give back the same file bytes', async () => {
    const r = await runBash(
      `set -e
       S='${SCHEMA}'
       mm-db export -s "$S" edges.db > edges.ndjson
       mm-db import -s "$S" back.db edges.ndjson
       cmp back.db edges.db
       mm-db list --csv -s "$S" edges.db > edges.csv
       mm-db import --csv -s "$S" back-csv.db edges.csv
       cmp back-csv.db edges.db
       mm-db export --index -s "$S" edges.db | mm-db import -s "$S" back-index.db
       cmp back-index.db edges.db && echo same`,
      { cwd: tmp.path, env: launchers.env },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('same\n');
    expect(readFileSync(join(tmp.path, 'edges.ndjson'), 'latin1')).toBe(written('json', 'range'));
  });
});
