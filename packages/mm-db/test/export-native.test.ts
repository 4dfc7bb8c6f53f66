// The native pass against the JavaScript loop: random schemas over every kind (arrays too),
// random record bytes full of values that leave every fast path (64-bit extremes, NaN
// payloads, infinities, -0, subnormals, text with controls, quotes, commas, blanks and
// Unicode spaces at the edges, multi-byte UTF-8, invalid bytes, text filling its field
// without a NUL), written by RecordWriter.writeRange both ways: the bytes must be the same
// in every line format, with and without the index column, for all fields and a subset,
// and with output buffers small enough that lines keep meeting the buffer's end.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, tempDir } from '@mm/testkit';
import { KINDS, layoutSchema, openDatabase, RecordWriter, type FieldLayout, type FieldSpec, type Kind, type LineFormat } from '../src/index.js';

const tmp = tempDir('mm-db-native-');
afterAll(() => tmp.cleanup());


// Pieces of text, as bytes, that each take a different path through the formatters.
const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];
const TEXT_PIECES: number[][] = [
  utf8('plain'), utf8('Ada Lovelace'), utf8('x'), utf8(' '), utf8('  '), utf8('"'), utf8(','), utf8('\\'), utf8('\t'), utf8('\n'),
  utf8('\r'), utf8('\r\n'), [0x01], [0x08], [0x0b], [0x0c], [0x1f], [0x7f], utf8('é'), utf8('✓'), utf8('😀'), utf8('\u00a0'),
  utf8('\u1680'), utf8('\u2000'), utf8('\u200a'), utf8('\u200b'), utf8('\u2028'), utf8('\u2029'), utf8('\u202f'), utf8('\u205f'),
  utf8('\u3000'), utf8('\ufeff'), utf8('\u0085'), utf8('\u180e'), utf8('\u{10ffff}'), utf8('\u{10000}'), [0x80], [0xbf], [0xc0, 0x80],
  [0xc1, 0xbf], [0xc2], [0xdf], [0xe0, 0x80, 0x80], [0xe0, 0xa0], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xef, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x90, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf5, 0x80, 0x80, 0x80], [0xff],
  [0xfe], utf8('a,b'), utf8('say "hi"'), utf8('0123456789'),
];

const INT_EDGES: Record<string, bigint[]> = {
  i8: [-128n, -1n, 0n, 9n, 10n, 127n], u8: [0n, 9n, 10n, 99n, 100n, 255n],
  i16: [-32768n, -10n, 0n, 32767n], u16: [0n, 65535n, 9999n, 10000n],
  i32: [-2147483648n, -1n, 0n, 2147483647n], u32: [0n, 4294967295n, 999999999n, 1000000000n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n, 2n ** 53n + 1n, -1n, 0n], u64: [0n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 53n + 1n, 10n ** 19n],
};
const FLOAT_EDGES = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e-7, 1e-6, 0.1, 123456789.125, 2 ** 100, 2 ** -1074, 1.401298464324817e-45, 3.4028234663852886e38, 1.1754943508222875e-38, 1e-45, 16777217, 0.3];

function fillText(bytes: Buffer, at: number, cap: number, r: () => number): void {
  const out: number[] = [];
  const style = r();
  if (style < 0.1) {
    for (let k = 0; k < cap; k++) out.push(0x20 + Math.floor(r() * 95)); // full, no NUL
  } else if (style < 0.2) {
    for (let k = 0; k < cap; k++) out.push(Math.floor(r() * 256)); // any bytes
  } else {
    while (out.length < cap && r() < 0.8) out.push(...TEXT_PIECES[Math.floor(r() * TEXT_PIECES.length)]);
  }
  out.length = Math.min(out.length, cap);
  for (let k = 0; k < cap; k++) bytes[at + k] = k < out.length ? out[k] : r() < 0.1 ? Math.floor(r() * 256) : 0;
}

function fillElement(bytes: Buffer, dv: DataView, kind: Kind, at: number, r: () => number): void {
  const size = kind === 'i64' || kind === 'u64' || kind === 'f64' ? 8 : kind === 'i32' || kind === 'u32' || kind === 'f32' ? 4 : kind === 'i16' || kind === 'u16' ? 2 : 1;
  for (let k = 0; k < size; k++) bytes[at + k] = Math.floor(r() * 256); // random bits by default
  const pick = r();
  if (kind === 'bool') {
    bytes[at] = pick < 0.4 ? 0 : pick < 0.8 ? 1 : bytes[at];
  } else if (kind === 'f32' || kind === 'f64') {
    const v = FLOAT_EDGES[Math.floor(r() * FLOAT_EDGES.length)];
    if (pick < 0.3) {
      if (kind === 'f32') dv.setFloat32(at, v, true);
      else dv.setFloat64(at, v, true);
    } else if (pick < 0.45) {
      // a subnormal or a NaN with a payload: exponent bits all zero or all one
      if (kind === 'f32') dv.setUint32(at, (dv.getUint32(at, true) & 0x807fffff) | (r() < 0.5 ? 0x7f800000 : 0), true);
      else dv.setUint32(at + 4, (dv.getUint32(at + 4, true) & 0x800fffff) | (r() < 0.5 ? 0x7ff00000 : 0), true);
    } else if (pick < 0.6) {
      const p = 2 ** (Math.floor(r() * 300) - 150) * (r() < 0.5 ? -1 : 1); // powers of two
      if (kind === 'f32') dv.setFloat32(at, p, true);
      else dv.setFloat64(at, p, true);
    } else if (pick < 0.7) {
      const small = Math.floor(r() * 2000) / 8; // short decimals
      if (kind === 'f32') dv.setFloat32(at, small, true);
      else dv.setFloat64(at, small, true);
    }
  } else if (pick < 0.3) {
    const edges = INT_EDGES[kind];
    const v = edges[Math.floor(r() * edges.length)];
    for (let k = 0; k < size; k++) bytes[at + k] = Number((BigInt.asUintN(64, v) >> BigInt(8 * k)) & 0xffn);
  } else if (pick < 0.7) {
    for (let k = 1; k < size; k++) bytes[at + k] = 0; // small numbers
  }
}

function randomSchema(r: () => number): { fields: FieldSpec[]; packed: boolean } {
  const n = 1 + Math.floor(r() * 7);
  const fields: FieldSpec[] = [];
  for (let j = 0; j < n; j++) {
    const kind = KINDS[Math.floor(r() * KINDS.length)];
    const shape = r();
    const count = kind === 'char' ? (shape < 0.15 ? undefined : 1 + Math.floor(r() * 40)) : shape < 0.7 ? undefined : 1 + Math.floor(r() * 4);
    fields.push({ name: `f${j}`, kind, count });
  }
  return { fields, packed: r() < 0.3 };
}

function fillRecords(fields: FieldLayout[], size: number, count: number, r: () => number): Buffer {
  const bytes = Buffer.alloc(size * count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < count; i++) {
    const base = i * size;
    for (let k = 0; k < size; k++) bytes[base + k] = Math.floor(r() * 256); // padding too
    for (const f of fields) {
      if (f.kind === 'char') fillText(bytes, base + f.offset, f.count ?? 1, r);
      else for (let k = 0; k < (f.count ?? 1); k++) fillElement(bytes, dv, f.kind, base + f.offset + k * f.elemSize, r);
    }
  }
  return bytes;
}

const FORMATS: LineFormat[] = ['json', 'csv', 'tsv'];

describe('the native pass writes what the JavaScript loop writes', () => {
  it('over random schemas and records, in every format, with and without the index, all fields and a subset, any buffer size', () => {
    let compared = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = seededRandom(seed * 7919);
      const spec = randomSchema(r);
      const layout = layoutSchema({ name: 'r', ...spec });
      const count = 1 + Math.floor(r() * 150);
      const file = join(tmp.path, `s${seed}.db`);
      writeFileSync(file, fillRecords(layout.fields, layout.size, count, r));
      const db = openDatabase(file, { schema: layout });
      try {
        const subset = layout.fields.filter(() => r() < 0.5).reverse();
        for (const format of FORMATS) {
          for (const index of [false, true]) {
            for (const fields of [undefined, subset.length ? subset : undefined]) {
              // 1: the smallest buffer the writer allows (two of its longest lines)
              const bufferSize = r() < 0.5 ? 1 : 1 << 20;
              const run = (native: boolean): Buffer => {
                const chunks: Buffer[] = [];
                const w = new RecordWriter(db, { format, index, fields, bufferSize, native }, (c) => chunks.push(Buffer.from(c)));
                w.header();
                w.writeRange(0, db.count);
                w.end();
                return Buffer.concat(chunks);
              };
              const js = run(false);
              const nat = run(true);
              const where = `seed ${seed}, ${format}, index ${index}, fields ${fields ? fields.map((f) => f.name).join(',') : 'all'}, schema ${JSON.stringify(spec)}`;
              if (!nat.equals(js)) {
                const a = js.toString('latin1').split('\n');
                const b = nat.toString('latin1').split('\n');
                const line = a.findIndex((l, k) => l !== b[k]);
                expect({ where, line, native: b[line] }).toEqual({ where, line, native: a[line] });
              }
              expect(nat.length).toBe(js.length);
              compared += db.count;
            }
          }
        }
      } finally {
        db.close();
      }
    }
    expect(compared).toBeGreaterThan(10000);
  });

  it('writes a million-line-style people file the same way through a small buffer, each line whole', () => {
    const layout = layoutSchema({ name: 'person', packed: false, fields: [{ name: 'id', kind: 'u32' }, { name: 'name', kind: 'char', count: 32 }, { name: 'age', kind: 'u32' }] });
    const count = 5000;
    const bytes = Buffer.alloc(count * 40);
    for (let i = 0; i < count; i++) {
      bytes.writeUInt32LE(i * 7919, i * 40);
      bytes.write(i % 97 === 0 ? `O"Neil, ${i}` : `Person ${i}`, i * 40 + 4, 'latin1');
      bytes.writeUInt32LE(i % 100, i * 40 + 36);
    }
    const file = join(tmp.path, 'people.db');
    writeFileSync(file, bytes);
    const db = openDatabase(file, { schema: layout });
    try {
      for (const format of FORMATS) {
        const chunks: Buffer[] = [];
        const js: Buffer[] = [];
        const w = new RecordWriter(db, { format, bufferSize: 1 }, (c) => chunks.push(Buffer.from(c)));
        w.writeRange(0, count);
        w.end();
        const ref = new RecordWriter(db, { format, native: false }, (c) => js.push(Buffer.from(c)));
        ref.writeRange(0, count);
        ref.end();
        // Many flushes, each ending at the end of a line (no line is cut at the buffer's end).
        expect(chunks.length).toBeGreaterThan(20);
        for (const c of chunks) expect(c[c.length - 1]).toBe(10);
        expect(Buffer.concat(chunks).equals(Buffer.concat(js))).toBe(true);
      }
    } finally {
      db.close();
    }
  });
});
