// The library without spawning: NDJSON/CSV decoding corner cases, the record writer, and
// a mapping that sees another process's stores.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, binPath, tempDir } from '@mm/testkit';
import { encodeRecords, layoutSchema, parseCompactSchema, openDatabase, RecordWriter, parseCsv, ValueError, PERSON_SCHEMA, type LineFormat } from '../src/index.js';

const tmp = tempDir('mm-db-lib-');
afterAll(() => tmp.cleanup());
const layout = layoutSchema(parseCompactSchema('n:i16,big:u64,x:f64,ok:bool,t:char[6],v:i8[3]'));

function decode(text: string, format: 'json' | 'csv' | 'auto' = 'auto') {
  const { block, count } = encodeRecords(layout, Buffer.from(text), { format });
  const file = join(tmp.path, `d${Math.random().toString(36).slice(2)}.db`);
  writeFileSync(file, block);
  const db = openDatabase(file, { schema: layout });
  const rows = Array.from({ length: count }, (_, i) => db.get(i));
  db.close();
  return rows;
}

const ZERO = { n: 0, big: 0n, x: 0, ok: false, t: '', v: [0, 0, 0] };

describe('NDJSON input', () => {
  it('escapes, unicode, nulls, arrays, strings for numbers, duplicate keys (last wins), the # key, blank lines', () => {
    const rows = decode(
      [
        '{"t":"a\\"\\u00e9\\n","big":"18446744073709551615","x":-1.5e-3,"ok":true,"v":[1,-2]}',
        '',
        '  { "#": 9, "n": null, "t": "é€", "ok": 1, "x": "Infinity" }  ',
        '{"t":"longer","t":"ab","v":"3,4,5","big":12345678901234567890}',
        '{}',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { ...ZERO, t: 'a"é\n', big: 18446744073709551615n, x: -0.0015, ok: true, v: [1, -2, 0] },
      { ...ZERO, t: 'é€', ok: true, x: Infinity },
      { ...ZERO, t: 'ab', v: [3, 4, 5], big: 12345678901234567890n },
      ZERO,
    ]);
  });

  const bad: Array<[string, string]> = [
    ['{"n":32768}', 'stdin: line 1: n: 32768 is out of range for i16 (-32768..32767)'],
    ['{"n":1.5}', "stdin: line 1: n: '1.5' is not a whole number (i16)"],
    ['{"n":01}', "stdin: line 1: invalid JSON: unexpected '01' (column 6)"],
    ['{"big":-1}', 'stdin: line 1: big: -1 is out of range for u64 (0..18446744073709551615)'],
    ['{"t":"1234567"}', "stdin: line 1: t: '1234567' is 7 bytes, longer than char[6] (at most 6)"],
    ['{"t":5}', 'stdin: line 1: t: expected text (a JSON string) for char[6]'],
    ['{"v":[1,2,3,4]}', 'stdin: line 1: v: more than 3 values for i8[3]'],
    ['{"v":[200]}', 'stdin: line 1: v[0]: 200 is out of range for i8 (-128..127)'],
    ['{"n":[1]}', 'stdin: line 1: n: expected one i16, got an array'],
    ['{"ok":"maybe"}', "stdin: line 1: ok: 'maybe' is not a bool (true, false, 1 or 0)"],
    ['{"n":1', "stdin: line 1: invalid JSON: expected ',' or '}' (column 7)"],
    ['[{"n":1}]', "stdin: line 1: invalid JSON: expected '{' (one object per line)"],
    ['{"t":"a\tb"}', 'stdin: line 1: invalid JSON: control character in a string (column 8)'],
  ];
  for (const [line, message] of bad) {
    it(`rejects ${line}`, () => {
      const input = Buffer.from(`{"n":1}\n${line}\n`.replace('line 1', 'line 2'));
      expect(() => encodeRecords(layout, input)).toThrow(ValueError);
      expect(() => encodeRecords(layout, input)).toThrow(message.replace('line 1', 'line 2'));
    });
  }
});

describe('CSV input', () => {
  it('RFC 4180 quoting, CRLF, a BOM, empty numeric cells are zero', () => {
    expect(parseCsv('a,"b ""q"", c"\r\n"multi\nline",x\n')).toEqual([
      { line: 1, cells: ['a', 'b "q", c'] },
      { line: 2, cells: ['multi\nline', 'x'] },
    ]);
    const rows = decode('\ufefft,n,big,v\r\n"x,y",-5,,"1,2"\r\n', 'csv');
    expect(rows).toEqual([{ ...ZERO, t: 'x,y', n: -5, v: [1, 2, 0] }]);
    expect(() => encodeRecords(layout, Buffer.from('t,zz\n'))).toThrow("stdin: line 1: unknown field 'zz' in the header");
    expect(() => encodeRecords(layout, Buffer.from('t,n\nx\n'))).toThrow('stdin: line 2: 1 cells, the header has 2');
    expect(() => encodeRecords(layout, Buffer.from('t\n"open\n'))).toThrow('stdin: line 2: quoted CSV field not closed');
  });
});

describe('RecordWriter', () => {
  it('writes the same values in every format, escaping only where the format needs it', () => {
    const file = join(tmp.path, 'w.db');
    const db = openDatabase(file, { schema: layout, create: true });
    db.add({ n: -32768, big: 2n ** 64n - 1n, x: NaN, ok: true, t: 'a,b"c', v: [-128, 127] }, { t: 'a\tb', x: -0 });
    const render = (format: LineFormat, index = false) => {
      const chunks: Buffer[] = [];
      const w = new RecordWriter(db, { format, index, bufferSize: 16 }, (c) => chunks.push(Buffer.from(c)));
      w.header();
      w.writeRange(0, db.count);
      w.end();
      return Buffer.concat(chunks).toString();
    };
    expect(render('json', true)).toBe(
      '{"#":0,"n":-32768,"big":18446744073709551615,"x":"NaN","ok":true,"t":"a,b\\"c","v":[-128,127,0]}\n{"#":1,"n":0,"big":0,"x":-0,"ok":false,"t":"a\\tb","v":[0,0,0]}\n',
    );
    expect(render('csv')).toBe('n,big,x,ok,t,v\n-32768,18446744073709551615,nan,true,"a,b""c","-128,127,0"\n0,0,-0,false,a\tb,"0,0,0"\n');
    expect(render('tsv')).toBe('n\tbig\tx\tok\tt\tv\n-32768\t18446744073709551615\tnan\ttrue\ta,b"c\t-128,127,0\n0\t0\t-0\tfalse\ta\\tb\t0,0,0\n');
    db.close();
  });
});

describe('one file, two processes', () => {
  it('an open mapping sees what another mm-db process stores, without re-reading the file', async () => {
    const file = join(tmp.path, 'shared.db');
    const db = openDatabase(file, { schema: PERSON_SCHEMA, create: true });
    db.add({ id: 1, name: 'before', age: 1 });
    const r = await runBin(binPath('mm-db'), ['set', file, '0', 'name=after', 'age=99']);
    expect(r.code).toBe(0);
    expect(db.get(0)).toEqual({ id: 1, name: 'after', age: 99 });
    const added = await runBin(binPath('mm-db'), ['add', file, 'id=2']);
    expect(added.stdout.toString()).toBe('1\n');
    expect(db.count).toBe(1);
    expect(db.refresh()).toBe(2);
    expect(db.get(1)).toEqual({ id: 2, name: '', age: 0 });
    expect(readFileSync(file).length).toBe(80);
    db.close();
  });
});
