// Every type at its limits, through the library and through the CLI: what goes in comes out, byte for byte.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, binPath, tempDir } from '@mm/testkit';
import { openDatabase, layoutSchema, parseCompactSchema, ValueError, formatFloat, parseFieldText } from '../src/index.js';

const tmp = tempDir('mm-db-codec-');
afterAll(() => tmp.cleanup());
const bin = binPath('mm-db');
const SCHEMA = 'a:i8,b:i16,c:i32,d:i64,e:u8,f:u16,g:u32,h:u64,i:f32,j:f64,k:bool,l:char[4],m:u16[3]';
const layout = layoutSchema(parseCompactSchema(SCHEMA));
const off = (name: string) => layout.byName.get(name)!.offset;

// Two records: every field at its minimum, then at its maximum.
const MIN = ['a=-128', 'b=-32768', 'c=-2147483648', 'd=-9223372036854775808', 'e=0', 'f=0', 'g=0', 'h=0', 'i=-3.4028234663852886e38', 'j=-1.7976931348623157e308', 'k=false', 'l=', 'm=0,0,0'];
const MAX = ['a=127', 'b=32767', 'c=2147483647', 'd=9223372036854775807', 'e=255', 'f=65535', 'g=4294967295', 'h=18446744073709551615', 'i=3.4028234663852886e38', 'j=1.7976931348623157e308', 'k=true', 'l=abcd', 'm=65535,1,65535'];
const MIN_JSON = '{"a":-128,"b":-32768,"c":-2147483648,"d":-9223372036854775808,"e":0,"f":0,"g":0,"h":0,"i":-3.4028235e+38,"j":-1.7976931348623157e+308,"k":false,"l":"","m":[0,0,0]}';
const MAX_JSON = '{"a":127,"b":32767,"c":2147483647,"d":9223372036854775807,"e":255,"f":65535,"g":4294967295,"h":18446744073709551615,"i":3.4028235e+38,"j":1.7976931348623157e+308,"k":true,"l":"abcd","m":[65535,1,65535]}';

describe('round trips through the CLI', () => {
  const file = join(tmp.path, 'limits.db');

  it('add at the limits, get --json prints every digit, the bytes are little-endian two\'s complement', async () => {
    for (const args of [MIN, MAX]) {
      const r = await runBin(bin, ['add', file, ...args, '--schema', SCHEMA]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const r = await runBin(bin, ['get', file, '0', '1', '--json', '--schema', SCHEMA]);
    expect(r.stdout.toString()).toBe(`${MIN_JSON}\n${MAX_JSON}\n`);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(2 * layout.size);
    const max = bytes.subarray(layout.size);
    expect(max.subarray(off('d'), off('d') + 8)).toEqual(Buffer.from('ffffffffffffff7f', 'hex'));
    expect(bytes.subarray(off('d'), off('d') + 8)).toEqual(Buffer.from('0000000000000080', 'hex'));
    expect(max.subarray(off('h'), off('h') + 8)).toEqual(Buffer.alloc(8, 0xff));
    expect(max.subarray(off('i'), off('i') + 4)).toEqual(Buffer.from('ffff7f7f', 'hex'));
    expect(max.subarray(off('l'), off('l') + 4).toString()).toBe('abcd');
    expect(max[off('k')]).toBe(1);
  });

  it('export | import gives a byte-identical file; TSV and CSV print the same values', async () => {
    const exp = await runBin(bin, ['export', file, '--schema', SCHEMA]);
    const copy = join(tmp.path, 'copy.db');
    const imp = await runBin(bin, ['import', copy, '--schema', SCHEMA], { input: exp.stdout });
    expect(imp.stderr).toBe('');
    expect(readFileSync(copy)).toEqual(readFileSync(file));
    const tsv = await runBin(bin, ['list', file, '--schema', SCHEMA]);
    expect(tsv.stdout.toString().split('\n')[2]).toBe('127\t32767\t2147483647\t9223372036854775807\t255\t65535\t4294967295\t18446744073709551615\t3.4028235e+38\t1.7976931348623157e+308\ttrue\tabcd\t65535,1,65535');
    const csv = await runBin(bin, ['list', file, '--csv', '--schema', SCHEMA]);
    const csvCopy = join(tmp.path, 'csv.db');
    await runBin(bin, ['import', csvCopy, '--schema', SCHEMA], { input: csv.stdout });
    expect(readFileSync(csvCopy)).toEqual(readFileSync(file));
  });

  it('one past each limit is an error naming the field, the type and its range', async () => {
    const cases: Array<[string, string]> = [
      ['a=128', 'a: 128 is out of range for i8 (-128..127)'],
      ['a=-129', 'a: -129 is out of range for i8 (-128..127)'],
      ['b=32768', 'b: 32768 is out of range for i16 (-32768..32767)'],
      ['c=-2147483649', 'c: -2147483649 is out of range for i32 (-2147483648..2147483647)'],
      ['d=9223372036854775808', 'd: 9223372036854775808 is out of range for i64 (-9223372036854775808..9223372036854775807)'],
      ['e=256', 'e: 256 is out of range for u8 (0..255)'],
      ['g=-1', 'g: -1 is out of range for u32 (0..4294967295)'],
      ['h=18446744073709551616', 'h: 18446744073709551616 is out of range for u64 (0..18446744073709551615)'],
      ['i=3.5e38', 'i: 3.5e38 is out of range for f32 (largest 3.4028234663852886e38)'],
      ['j=1e309', 'j: 1e309 is out of range for f64'],
      ['k=2', "k: '2' is not a bool (true, false, 1 or 0)"],
      ['l=abcde', "l: 'abcde' is 5 bytes, longer than char[4] (at most 4)"],
      ['l=ééé', "l: 'ééé' is 6 bytes, longer than char[4] (at most 4)"],
      ['m=1,2,3,4', 'm: 4 values, more than u16[3] holds'],
      ['g=12abc', "g: '12abc' is not a number"],
      ['g=1.5', "g: '1.5' is not a whole number (u32)"],
      ['j=abc', "j: 'abc' is not a number"],
    ];
    const before = readFileSync(file);
    const results = await Promise.all(cases.map(([arg]) => runBin(bin, ['add', file, arg, '--schema', SCHEMA])));
    cases.forEach(([arg, message], k) => {
      expect(results[k].stderr, arg).toBe(`mm-db: ${message}\n`);
      expect(results[k].code, arg).toBe(1);
    });
    expect(readFileSync(file)).toEqual(before);
  });
});

describe('round trips through the library', () => {
  it('values come back as the same JavaScript values (BigInt for 64-bit)', () => {
    const file = join(tmp.path, 'lib.db');
    const db = openDatabase(file, { schema: layout, create: true });
    const rec = { a: -1, b: 300, c: -5, d: -(2n ** 63n), e: 200, f: 1, g: 2 ** 32 - 1, h: 2n ** 64n - 1n, i: Math.fround(0.1), j: Math.PI, k: true, l: 'éab', m: [1, 2, 3] };
    expect(db.add(rec)).toBe(0);
    expect(db.get(0)).toEqual(rec);
    db.add({ l: 'x' });
    expect(db.get(1)).toEqual({ a: 0, b: 0, c: 0, d: 0n, e: 0, f: 0, g: 0, h: 0n, i: 0, j: 0, k: false, l: 'x', m: [0, 0, 0] });
    db.set(1, { j: -0, i: Infinity, m: [7] });
    const r = db.get(1);
    expect(Object.is(r.j, -0)).toBe(true);
    expect(r.i).toBe(Infinity);
    expect(r.m).toEqual([7, 0, 0]);
    expect(() => db.add({ d: 2 ** 60 })).toThrow('beyond 2^53');
    expect(() => db.add({ g: 1.5 })).toThrow(ValueError);
    expect(() => db.get(2)).toThrow('index 2 is out of range (2 records: 0..1)');
    db.close();
  });

  it('floats print with the fewest digits that read back exactly', () => {
    const f32 = layout.byName.get('i')!;
    for (const text of ['0.1', '1.401298464324817e-45', '16777216', '-2.5', '3.4028234663852886e38', 'nan', 'inf', '-inf']) {
      const v = parseFieldText(f32, text) as number;
      const back = parseFieldText(f32, formatFloat('f32', v)) as number;
      expect(Object.is(back, v)).toBe(true);
    }
    expect(formatFloat('f32', Math.fround(0.1))).toBe('0.1');
    expect(formatFloat('f64', 0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatFloat('f64', -0)).toBe('-0');
  });
});

describe('text', () => {
  it('char[N] is NUL-padded; exactly N bytes leaves no terminator; set clears the old text', async () => {
    const file = join(tmp.path, 'text.db');
    writeFileSync(file, '');
    await runBin(bin, ['add', file, 'name=0123456789012345678901234567890x', 'id=1']);
    let bytes = readFileSync(file);
    expect(bytes.subarray(4, 36).toString()).toBe('0123456789012345678901234567890x');
    await runBin(bin, ['set', file, '0', 'name=Al']);
    bytes = readFileSync(file);
    expect(bytes.subarray(4, 36)).toEqual(Buffer.concat([Buffer.from('Al'), Buffer.alloc(30)]));
    const tab = await runBin(bin, ['set', file, '0', 'name=a\tb"c,d\\e']);
    expect(tab.code).toBe(0);
    expect((await runBin(bin, ['list', file])).stdout.toString()).toBe('id\tname\tage\n1\ta\\tb"c,d\\\\e\t0\n');
    expect((await runBin(bin, ['list', file, '--csv'])).stdout.toString()).toBe('id,name,age\n1,"a\tb""c,d\\e",0\n');
    expect((await runBin(bin, ['list', file, '--json'])).stdout.toString()).toBe('{"id":1,"name":"a\\tb\\"c,d\\\\e","age":0}\n');
  });
});
