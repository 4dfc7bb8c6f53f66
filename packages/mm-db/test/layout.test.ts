// Struct layout against the system C compiler, and the schema parsers (compact form and C declarations).
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, runBin, binPath, tempDir, haveCommand } from '@mm/testkit';
import { layoutSchema, parseCompactSchema, parseCStruct, PERSON_SCHEMA, SchemaError, formatCStruct, type SchemaSpec } from '../src/index.js';

const tmp = tempDir('mm-db-layout-');
afterAll(() => tmp.cleanup());
const hasCc = haveCommand('cc', 'the layout-vs-gcc tests');

const MIXED = 'struct mixed { uint8_t a; double b; uint16_t c; int64_t d; char e[3]; float f; };';

/** Compiles a C program printing sizeof and every offsetof of `decl`, runs it, returns its lines. */
async function cLayout(decl: string, spec: SchemaSpec): Promise<string> {
  const src = join(tmp.path, `${spec.name}.c`);
  const exe = join(tmp.path, spec.name);
  const prints = spec.fields.map((f) => `printf("${f.name} %zu %zu\\n", offsetof(struct ${spec.name}, ${f.name}), sizeof(((struct ${spec.name} *)0)->${f.name}));`).join('\n  ');
  writeFileSync(src, `#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n${decl}\nint main(void) {\n  printf("size %zu\\n", sizeof(struct ${spec.name}));\n  ${prints}\n  return 0;\n}\n`);
  const cc = await runCommand('cc', ['-std=c11', '-o', exe, src]);
  expect(cc.stderr).toBe('');
  expect(cc.code).toBe(0);
  const run = await runCommand(exe, []);
  return run.stdout.toString();
}

function ourLayout(spec: SchemaSpec): string {
  const l = layoutSchema(spec);
  return `size ${l.size}\n` + l.fields.map((f) => `${f.name} ${f.offset} ${f.size}\n`).join('');
}

describe.skipIf(!hasCc)('layout equals what cc computes', () => {
  const cases: Array<[string, string]> = [
    ['person (the default)', 'struct person { uint32_t id; char name[32]; uint32_t age; };'],
    ['mixed u8 f64 u16 i64 char[3] f32', MIXED],
    ['packed mixed', 'struct pmixed { uint8_t a; double b; uint16_t c; int64_t d; char e[3]; float f; } __attribute__((packed));'],
    ['plain C integer types', 'struct plain { char c; short s; unsigned char uc; int i; signed char sc; long l; unsigned short us; long long ll; unsigned u; bool ok; };'],
    ['arrays and tail padding', 'struct arr { double d; uint16_t v[3]; _Bool b[2]; int8_t t; };'],
    ['only bytes', 'struct bytes { char a; char b[5]; uint8_t c; };'],
  ];
  for (const [title, decl] of cases) {
    it(title, async () => {
      const spec = parseCStruct(decl);
      expect(await cLayout(decl, spec)).toBe(ourLayout(spec));
    });
  }

  it('the mixed struct is 40 bytes with 14 bytes of padding', () => {
    const l = layoutSchema(parseCStruct(MIXED));
    expect(l.size).toBe(40);
    expect(l.fields.map((f) => f.offset)).toEqual([0, 8, 16, 24, 32, 36]);
    expect(l.holeBytes + l.tailPadding).toBe(40 - 1 - 8 - 2 - 8 - 3 - 4);
  });

  it('a C program and mm-db share one file both ways', async () => {
    const db = join(tmp.path, 'shared.db');
    const src = join(tmp.path, 'writer.c');
    const exe = join(tmp.path, 'writer');
    writeFileSync(
      src,
      `#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
${MIXED}
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
  if (fd < 0 || ftruncate(fd, 2 * sizeof(struct mixed)) != 0) return 1;
  struct mixed *r = mmap(NULL, 2 * sizeof(struct mixed), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (r == MAP_FAILED) return 1;
  if (argc > 2) { /* read back what mm-db wrote into record 1 */
    printf("%u %.17g %u %lld %.3s %.9g\\n", r[1].a, r[1].b, r[1].c, (long long)r[1].d, r[1].e, r[1].f);
    return 0;
  }
  r[0] = (struct mixed){ 255, -2.5, 65535, -9223372036854775807LL - 1, "abc", 0.1f };
  r[1] = (struct mixed){ 0 };
  munmap(r, 2 * sizeof(struct mixed));
  close(fd);
  return 0;
}
`,
    );
    expect((await runCommand('cc', ['-o', exe, src])).code).toBe(0);
    expect((await runCommand(exe, [db])).code).toBe(0);
    const get = await runBin(binPath('mm-db'), ['get', db, '0', '--json', '--struct', MIXED]);
    expect(get.stderr).toBe('');
    expect(get.stdout.toString()).toBe('{"a":255,"b":-2.5,"c":65535,"d":-9223372036854775808,"e":"abc","f":0.1}\n');
    const set = await runBin(binPath('mm-db'), ['set', db, '1', 'a=7', 'b=1e300', 'c=513', 'd=9223372036854775807', 'e=xy', 'f=3.25', '--struct', MIXED]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    const back = await runCommand(exe, [db, 'read']);
    expect(back.stdout.toString()).toBe('7 1.0000000000000001e+300 513 9223372036854775807 xy 3.25\n');
  });
});

describe('compact schema', () => {
  it('is the same as the C declaration', () => {
    expect(parseCompactSchema('id:u32,name:char[32],age:u32', { name: 'person' })).toEqual(PERSON_SCHEMA);
    expect(parseCStruct(formatCStruct(PERSON_SCHEMA))).toEqual(PERSON_SCHEMA);
    const c = parseCStruct(MIXED);
    expect(parseCompactSchema(' a : u8 , b:f64,c:u16,d:i64,e:char[3],f:f32', { name: 'mixed' })).toEqual(c);
  });

  it('arrays and --packed', () => {
    const l = layoutSchema(parseCompactSchema('a:u8,v:u16[3],d:f64', { packed: true }));
    expect(l.size).toBe(15);
    expect(l.fields.map((f) => f.offset)).toEqual([0, 1, 7]);
    expect(layoutSchema(parseCompactSchema('a:u8,v:u16[3],d:f64')).size).toBe(16);
  });

  const bad: Array<[string, string]> = [
    ['id:u33,name:char[8]', "--schema: column 4 ('u33'): unknown type"],
    ['id:u32,,age:u8', '--schema: column 8: empty field'],
    ['id:u32,name', "--schema: column 8 ('name'): expected name:type"],
    ['id:u32,2x:u8', "--schema: column 8 ('2x'): a field name is a C identifier"],
    ['id:u32,name:char[0]', "--schema: column 18 ('0'): array length must be 1.."],
    ['id:u32,name:char[N]', "--schema: column 18 ('N'): an array length must be a whole number (macros are not expanded)"],
    ['id:u32,id:u8', "--schema: column 8 ('id'): duplicate field 'id'"],
    ['', '--schema: empty schema'],
  ];
  for (const [text, message] of bad) {
    it(`rejects '${text}'`, () => {
      expect(() => parseCompactSchema(text)).toThrow(SchemaError);
      expect(() => parseCompactSchema(text)).toThrow(message);
    });
  }
});

describe('C declarations', () => {
  it('typedef, comments, qualifiers, preprocessor lines, attribute before the name', () => {
    const src = `#pragma once\n#include <stdint.h>\n/* a person */\ntypedef struct __attribute__((packed)) {\n  const uint32_t id; // key\n  unsigned long long big, other[2];\n} rec_t;\n`;
    const s = parseCStruct(src);
    expect(s).toEqual({ name: 'rec_t', packed: true, fields: [{ name: 'id', kind: 'u32' }, { name: 'big', kind: 'u64' }, { name: 'other', kind: 'u64', count: 2 }] });
  });

  const bad: Array<[string, string]> = [
    ['struct p { uint32_t id; char *name; };', "line 1, column 30 ('*'): pointers are not supported"],
    ['struct p {\n  uint32_t id;\n  struct q inner;\n};', "line 3, column 3 ('struct'): nested structs are not supported"],
    ['struct p { int a : 3; };', "line 1, column 18 (':'): bit-fields are not supported"],
    ['struct p { long double x; };', "line 1, column 12 ('long'): long double is not supported"],
    ['struct p { int m[2][3]; };', "line 1, column 20 ('['): multi-dimensional arrays are not supported"],
    ['struct p { uint32_t id; wibble_t w; };', "line 1, column 25 ('wibble_t'): unknown type 'wibble_t'"],
    ['struct p { char name[LEN]; };', "line 1, column 22 ('LEN'): an array length must be a whole number (macros are not expanded)"],
    ['struct p { uint32_t id }', "line 1, column 24 ('}'): expected ';' after field 'id'"],
    ['struct p { uint32_t id;', "at the end: struct not closed"],
    ['union u { int a; };', "line 1, column 1 ('union'): unions are not supported"],
    ['struct p { enum e x; };', "line 1, column 12 ('enum'): enums are not supported"],
    ['struct p { unsigned float x; };', "line 1, column 12 ('unsigned'): 'unsigned float' is not a valid C type"],
    ['struct p { int a; int a; };', "line 1, column 23 ('a'): duplicate field 'a'"],
    ['struct p { int a; } __attribute__((aligned(8)));', "line 1, column 36 ('aligned'): only the packed attribute is supported"],
    ['#pragma pack(1)\nstruct p { int a; };', "line 1, column 1 ('#pragma pack(1)'): #pragma pack is not supported"],
    ['struct p { int a; }; struct q { int b; };', "line 1, column 22 ('struct'): only one struct per declaration"],
  ];
  for (const [src, message] of bad) {
    it(`rejects ${JSON.stringify(src)}`, () => {
      expect(() => parseCStruct(src)).toThrow(SchemaError);
      expect(() => parseCStruct(src)).toThrow(`--struct: ${message}`);
    });
  }

  it('--struct-file names the file in errors', () => {
    const h = join(tmp.path, 'bad.h');
    writeFileSync(h, 'struct p {\n  uint32_t id;\n  void *ptr;\n};\n');
    expect(() => parseCStruct(readFileSync(h, 'utf8'), { label: h })).toThrow(`${h}: line 3, column 3 ('void'): unknown type 'void'`);
  });
});
