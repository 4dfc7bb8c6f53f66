// Every command of the built CLI, every bad input (with the file's bytes unchanged), and 50 concurrent adds.
import { describe, it, expect, afterAll, beforeEach } from 'vitest';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, runBash, runCommand, binPath, binDir, tempDir, haveCommand, type RunResult } from '@mm/testkit';

const tmp = tempDir('mm-db-cli-');
const bins = binDir();
afterAll(() => {
  tmp.cleanup();
  bins.cleanup();
});
const bin = binPath('mm-db');
const db = (...args: string[]) => runBin(bin, args);
const out = (r: RunResult) => r.stdout.toString();

const PEOPLE = 'id\tname\tage\n1\tAlice\t30\n2\tBob\t25\n3\tCharlie\t35\n4\tDiana\t28\n5\tEve\t22\n';
let n = 0;
/** A fresh file holding the demo's five people. */
function people(): string {
  const file = join(tmp.path, `people-${n++}.db`);
  writeFileSync(file, Buffer.concat([person(1, 'Alice', 30), person(2, 'Bob', 25), person(3, 'Charlie', 35), person(4, 'Diana', 28), person(5, 'Eve', 22)]));
  return file;
}
const demoFile = join(tmp.path, 'database.bin');

function person(id: number, name: string, age: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32LE(id, 0);
  b.write(name, 4);
  b.writeUInt32LE(age, 36);
  return b;
}

describe('the demo: mm-db FILE', () => {
  it('creates FILE with sample people, then lists it; a second run only lists', async () => {
    const first = await db(demoFile);
    expect(first.stderr).toBe(`mm-db: created ${demoFile} with 5 sample people\n`);
    expect(first.code).toBe(0);
    expect(out(first)).toBe(PEOPLE);
    const bytes = readFileSync(demoFile);
    expect(bytes.length).toBe(200);
    expect(bytes.subarray(0, 40)).toEqual(person(1, 'Alice', 30));
    expect(bytes.subarray(160)).toEqual(person(5, 'Eve', 22));
    const again = await db(demoFile);
    expect(again.stderr).toBe('');
    expect(out(again)).toBe(PEOPLE);
    expect(readFileSync(demoFile)).toEqual(bytes);
  });

  it('xxd -c 40 shows one record a line', async () => {
    const r = await runBash(`xxd -c 40 '${demoFile}' | cut -c 1-10,112-`);
    expect(out(r).split('\n')[1]).toBe('00000028: ....Bob.................................');
  });
});

describe('list / export / get / count', () => {
  it('TSV when piped, --json, --csv, --fields, --where, --limit, --index', async () => {
    const f = people();
    expect(out(await db('list', f))).toBe(PEOPLE);
    expect(out(await db('list', f, '--json', '--limit', '2'))).toBe('{"id":1,"name":"Alice","age":30}\n{"id":2,"name":"Bob","age":25}\n');
    expect(out(await db('export', f, '--where', 'age=35'))).toBe('{"id":3,"name":"Charlie","age":35}\n');
    expect(out(await db('list', f, '--csv', '--fields', 'name,id', '--where', 'age=22'))).toBe('name,id\nEve,5\n');
    expect(out(await db('list', f, '--index', '--where', 'name=Bob', '--json'))).toBe('{"#":1,"id":2,"name":"Bob","age":25}\n');
    expect(out(await db('list', f, '--table', '--limit', '2'))).toBe('#  id  name   age\n0   1  Alice   30\n1   2  Bob     25\n');
    expect(out(await db('list', f, '--limit', '0'))).toBe('id\tname\tage\n');
  });

  it.skipIf(!haveCommand('script', 'the terminal table test'))('an aligned table on a terminal (script gives it a TTY); bold header only with colour', async () => {
    const f = people();
    const cmd = `'${process.execPath}' '${bin}' list '${f}' --limit 2`;
    const plain = await runCommand('script', ['-qec', cmd, '/dev/null'], { env: { TERM: 'xterm' } });
    expect(out(plain).replace(/\r/g, '')).toBe('#  id  name   age\n0   1  Alice   30\n1   2  Bob     25\n');
    const color = await runCommand('script', ['-qec', cmd, '/dev/null'], { env: { TERM: 'xterm', NO_COLOR: undefined } });
    expect(out(color).replace(/\r/g, '').split('\n')[0]).toBe('\x1b[1m#  id  name   age\x1b[0m');
  });

  it('export is list --json, and import reads it back', async () => {
    const f = people();
    const exp = await db('export', f);
    expect(out(exp)).toBe(out(await db('list', f, '--json')));
    expect(out(exp).split('\n').length).toBe(6);
  });

  it('get prints the records in the order given; count counts', async () => {
    const f = people();
    expect(out(await db('get', f, '4', '0'))).toBe('id\tname\tage\n5\tEve\t22\n1\tAlice\t30\n');
    expect(out(await db('get', f, '2', '--json'))).toBe('{"id":3,"name":"Charlie","age":35}\n');
    expect(out(await db('count', f))).toBe('5\n');
    expect(out(await db('count', f, '--where', 'age=25'))).toBe('1\n');
  });

  it('quiet when the reader goes away', async () => {
    const f = join(tmp.path, 'many.db');
    writeFileSync(f, Buffer.concat(Array.from({ length: 20000 }, (_, i) => person(i, `p${i}`, i % 90))));
    const r = await runBash(`'${process.execPath}' '${bin}' export '${f}' | head -1; echo "status \${PIPESTATUS[0]}"`);
    expect(r.stderr).toBe('');
    expect(out(r)).toBe('{"id":0,"name":"p0","age":0}\nstatus 141\n');
  });
});

describe('add / set / del', () => {
  it('add appends (unset fields zero), prints the index, creates a missing file', async () => {
    const f = join(tmp.path, 'new.db');
    expect(existsSync(f)).toBe(false);
    const r = await db('add', f, 'name=Zoe', 'age=41');
    expect(r.stderr).toBe('');
    expect(out(r)).toBe('0\n');
    expect(readFileSync(f)).toEqual(person(0, 'Zoe', 41));
    expect(out(await db('add', f, 'id=7'))).toBe('1\n');
    expect(readFileSync(f).subarray(40)).toEqual(person(7, '', 0));
  });

  it('set changes only the named fields', async () => {
    const f = people();
    const before = readFileSync(f);
    const r = await db('set', f, '1', 'age=26', 'name=Robert');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
    const after = readFileSync(f);
    expect(after.subarray(40, 80)).toEqual(person(2, 'Robert', 26));
    expect(Buffer.concat([after.subarray(0, 40), after.subarray(80)])).toEqual(Buffer.concat([before.subarray(0, 40), before.subarray(80)]));
  });

  it('del moves the last record into the hole; --keep-order shifts', async () => {
    const f = people();
    expect((await db('del', f, '1')).code).toBe(0);
    expect(out(await db('list', f, '--fields', 'name'))).toBe('name\nAlice\nEve\nCharlie\nDiana\n');
    expect(statSync(f).size).toBe(160);
    const g = people();
    expect((await db('del', g, '1', '--keep-order')).code).toBe(0);
    expect(out(await db('list', g, '--fields', 'name'))).toBe('name\nAlice\nCharlie\nDiana\nEve\n');
    const h = people();
    expect((await db('del', h, '0', '4', '2')).code).toBe(0);
    expect(out(await db('list', h, '--fields', 'name'))).toBe('name\nDiana\nBob\n');
    const help = await db('del', '--help');
    expect(out(help)).toContain('the last record moves into each hole');
  });

  it('del of the only record leaves an empty file', async () => {
    const f = join(tmp.path, 'one.db');
    writeFileSync(f, person(1, 'x', 2));
    expect((await db('del', f, '0')).code).toBe(0);
    expect(statSync(f).size).toBe(0);
    expect(out(await db('count', f))).toBe('0\n');
  });
});

describe('import', () => {
  it('NDJSON and CSV append all records; the import is all or nothing', async () => {
    const f = people();
    const nd = '{"id":10,"name":"Ann","age":1}\n\n{"name":"Ben \\"B\\"", "age": 2, "id": 11}\n';
    expect((await runBin(bin, ['import', f], { input: nd })).code).toBe(0);
    const csv = 'name,age\r\nCid,3\r\n"Dee, D",4\n';
    const r = await runBin(bin, ['import', f, '-'], { input: csv });
    expect(r.stderr).toBe('');
    expect(out(await db('list', f, '--json')).split('\n').slice(5).join('\n')).toBe(
      '{"id":10,"name":"Ann","age":1}\n{"id":11,"name":"Ben \\"B\\"","age":2}\n{"id":0,"name":"Cid","age":3}\n{"id":0,"name":"Dee, D","age":4}\n',
    );
  });

  it('reads an input file; a bad line anywhere leaves the file as it was', async () => {
    const f = people();
    const before = readFileSync(f);
    const input = join(tmp.path, 'in.ndjson');
    const lines = Array.from({ length: 1000 }, (_, i) => `{"id":${i},"name":"n${i}","age":${i % 100}}`);
    const cases: Array<[string[], string]> = [
      [[...lines, '{"id":1,"name":"x","age":4294967296}'], 'line 1001: age: 4294967296 is out of range for u32 (0..4294967295)'],
      [[...lines, '{"id":-1}'], 'line 1001: id: -1 is out of range for u32 (0..4294967295)'],
      [['{"id":1,"nmae":"x"}', ...lines], "line 1: unknown field 'nmae' (fields: id, name, age)"],
      [[...lines.slice(0, 5), '{"name":"0123456789012345678901234567890123"}'], "line 6: name: '0123456789012345678901234567890123' is 34 bytes, longer than char[32] (at most 32)"],
      [[...lines.slice(0, 5), '{"id":"abc"}'], "line 6: id: 'abc' is not a number"],
      [[...lines.slice(0, 5), '{"id":1,'], 'line 6: invalid JSON: expected a field name in quotes (column 9)'],
      [[...lines.slice(0, 5), '{"id":1} x'], 'line 6: unexpected text after the object (column 10); one JSON object per line'],
    ];
    for (const [content, message] of cases) {
      writeFileSync(input, content.join('\n') + '\n');
      const r = await db('import', f, input);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`mm-db: ${input}: ${message}`);
      expect(readFileSync(f)).toEqual(before);
    }
    const csv = await runBin(bin, ['import', f], { input: 'id,age\n1,2\n3,x\n' });
    expect(csv.stderr).toBe("mm-db: stdin: line 3: age: 'x' is not a number\n");
    expect(readFileSync(f)).toEqual(before);
    writeFileSync(input, lines.join('\n'));
    expect((await db('import', f, input)).code).toBe(0);
    expect(out(await db('count', f))).toBe('1005\n');
  });
});

describe('schema', () => {
  it('prints offsets, sizes, holes and padding like pahole', async () => {
    const r = await db('schema', '--struct', 'struct mixed { uint8_t a; double b; uint16_t c; int64_t d; char e[3]; float f; };');
    expect(out(r)).toBe(
      [
        'struct mixed {',
        '\tuint8_t                    a;                    /*     0     1 */',
        '',
        '\t/* XXX 7 bytes hole, try to pack */',
        '',
        '\tdouble                     b;                    /*     8     8 */',
        '\tuint16_t                   c;                    /*    16     2 */',
        '',
        '\t/* XXX 6 bytes hole, try to pack */',
        '',
        '\tint64_t                    d;                    /*    24     8 */',
        '\tchar                       e[3];                 /*    32     3 */',
        '',
        '\t/* XXX 1 byte hole, try to pack */',
        '',
        '\tfloat                      f;                    /*    36     4 */',
        '',
        '\t/* size: 40, cachelines: 1, members: 6 */',
        '\t/* sum members: 26, holes: 3, sum holes: 14 */',
        '\t/* last cacheline: 40 bytes */',
        '};',
        '',
      ].join('\n'),
    );
  });

  it('--json, --packed, --struct-file, and a FILE to check', async () => {
    const h = join(tmp.path, 'rec.h');
    writeFileSync(h, '#include <stdint.h>\nstruct rec { uint8_t a; uint32_t b; };\n');
    const r = await db('schema', '--struct-file', h, '--packed', '--json');
    expect(out(r)).toBe('{"field":"a","type":"u8","ctype":"uint8_t","offset":0,"size":1,"align":1,"hole_before":0}\n{"field":"b","type":"u32","ctype":"uint32_t","offset":1,"size":4,"align":1,"hole_before":0}\n{"struct":"rec","size":5,"align":1,"packed":true,"holes":0,"padding":0}\n');
    const withFile = await db('schema', people());
    expect(out(withFile).split('\n').slice(-2)[0]).toMatch(/people-\d+\.db: 5 records \*\/$/);
  });
});

describe('bad input: a clear error, exit 1 (usage 2), the file unchanged', () => {
  let f: string;
  let before: Buffer;
  beforeEach(() => {
    f = people();
    before = readFileSync(f);
  });
  const check = async (args: (file: string) => string[], code: number, stderr: string | RegExp) => {
    const r = await db(...args(f));
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
    else expect(r.stderr).toMatch(stderr);
    expect(r.code).toBe(code);
    expect(readFileSync(f)).toEqual(before);
  };

  it('a size that is not whole records (both sizes said; --force ignores the tail)', async () => {
    writeFileSync(f, Buffer.concat([before, Buffer.from('xyz')]));
    before = readFileSync(f);
    await check((x) => ['list', x], 1, `mm-db: ${f}: size 203 bytes is not a multiple of the record size 40 (5 records and 3 bytes over); wrong schema? --force ignores the tail\n`);
    await check((x) => ['add', x, 'id=9'], 1, /is not a multiple of the record size 40/);
    await check((x) => ['list', x, '--schema', 'id:u32,name:char[32],age:u8'], 1, /size 203 bytes is not a multiple of the record size 40/);
    const forced = await db('count', f, '--force');
    expect(out(forced)).toBe('5\n');
    expect(readFileSync(f)).toEqual(before);
  });

  it('unknown field', () => check((x) => ['set', x, '0', 'agee=3'], 1, "mm-db: unknown field 'agee' (fields: id, name, age)\n"));
  it('out of range for u8', () => check((x) => ['add', x, 'age=300', '--schema', 'id:u32,name:char[32],age:u8'], 1, 'mm-db: age: 300 is out of range for u8 (0..255)\n'));
  it('-1 for u32', () => check((x) => ['set', x, '2', 'age=-1'], 1, 'mm-db: age: -1 is out of range for u32 (0..4294967295)\n'));
  it('not a number', () => check((x) => ['add', x, 'age=old'], 1, "mm-db: age: 'old' is not a number\n"));
  it('text too long for char[N]', () => check((x) => ['set', x, '0', `name=${'x'.repeat(33)}`], 1, `mm-db: name: '${'x'.repeat(33)}' is 33 bytes, longer than char[32] (at most 32)\n`));
  it('index out of range (says the count)', async () => {
    await check((x) => ['get', x, '5'], 1, `mm-db: ${f}: index 5 is out of range (5 records: 0..4)\n`);
    await check((x) => ['set', x, '7', 'age=1'], 1, `mm-db: ${f}: index 7 is out of range (5 records: 0..4)\n`);
    await check((x) => ['del', x, '1', '9'], 1, `mm-db: ${f}: index 9 is out of range (5 records: 0..4)\n`);
  });
  it('malformed schema or C declaration (points at the token) is a usage error, exit 2', async () => {
    const hint = "Try 'mm-db --help' for more information.\n";
    await check((x) => ['list', x, '--schema', 'id:u32,name:chr[32]'], 2, "mm-db: --schema: column 13 ('chr'): unknown type (expected i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, bool, char, each optionally followed by [N])\n" + hint);
    await check((x) => ['add', x, 'id=1', '--struct', 'struct p { uint32_t id; char *name; };'], 2, "mm-db: --struct: line 1, column 30 ('*'): pointers are not supported (an address means nothing inside a file)\n" + hint);
  });
  it('usage errors exit 2', async () => {
    await check((x) => ['get', x, 'one'], 2, "mm-db: invalid index 'one' (a record number: 0, 1, 2, …)\nTry 'mm-db --help' for more information.\n");
    await check((x) => ['set', x, '0', 'age'], 2, /expected field=value, got 'age'/);
    await check((x) => ['list', x, '--json', '--csv'], 2, /choose one of --json, --csv/);
    await check((x) => ['list', x, '--limit', 'lots'], 2, /invalid limit/);
    await check((x) => ['list', x, '--schema', 'a:u8', '--struct', 'struct p { int a; };'], 2, /give one of --schema, --struct and --struct-file/);
    await check((x) => ['frobnicate', x], 2, /too many arguments|unknown command/);
  });
  it('a missing file', async () => {
    const r = await db('list', join(tmp.path, 'nope.db'));
    expect(r.stderr).toBe(`mm-db: ${join(tmp.path, 'nope.db')}: No such file or directory\n`);
    expect(r.code).toBe(1);
  });
});

describe('many processes at once', () => {
  it('50 mm-db add started together give exactly 50 intact records', async () => {
    const f = join(tmp.path, 'race.db');
    const r = await runBash(`for i in $(seq 1 50); do mm-db add '${f}' id=$i "name=worker number $i" age=$((i * 2)) > /dev/null & done; wait`, { env: bins.env });
    expect(r.stderr).toBe('');
    const bytes = readFileSync(f);
    expect(bytes.length).toBe(50 * 40);
    const seen = new Set<number>();
    for (let k = 0; k < 50; k++) {
      const id = bytes.readUInt32LE(k * 40);
      seen.add(id);
      expect(bytes.subarray(k * 40, k * 40 + 40)).toEqual(person(id, `worker number ${id}`, id * 2));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
