import { describe, it, expect, afterAll } from 'vitest';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRecordPlan, decodeBytes, encodeBytes, formatRecords, openMapping, pageSize, type RecordFieldKind, type RecordLineFormat, type RecordPlan } from '../src/index.js';
import { seededRandom, tempDir, errorCode } from '@mm/testkit';

const tmp = tempDir('mm-records-');
afterAll(() => tmp.cleanup());


/** Every line `plan` writes for records [0, count) of `bytes`, through one big buffer. */
function lines(plan: RecordPlan, bytes: Uint8Array, recordSize: number, count = bytes.length / recordSize): string {
  const out = Buffer.alloc(count * plan.maxLineBytes + plan.maxLineBytes);
  const r = formatRecords(plan, bytes, 0, count, recordSize, out, 0);
  expect(r.next).toBe(count);
  return out.subarray(0, r.outPos).toString('latin1');
}

// What JavaScript writes, as the reference: String(v) for f64; for f32 the fewest digits
// that toPrecision gives and that read back through Math.fround.
function jsFloat(kind: 'f32' | 'f64', v: number, json: boolean): string {
  if (Number.isNaN(v)) return json ? '"NaN"' : 'nan';
  if (v === Infinity) return json ? '"Infinity"' : 'inf';
  if (v === -Infinity) return json ? '"-Infinity"' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (kind === 'f64') return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  throw new Error(`no f32 digits for ${v}`);
}

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

function jsText(format: RecordLineFormat, bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  const s = decodeBytes(bytes, 0, end);
  if (format === 'json') return latin1(JSON.stringify(s));
  if (format === 'tsv') {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const u = s.charCodeAt(i);
      const lone = u >= 0xdc80 && u <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff);
      if (lone) out += `\\x${(u - 0xdc00).toString(16).padStart(2, '0')}`;
      else out += ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' } as Record<string, string>)[s[i]] ?? s[i];
    }
    return encodeBytes(out).toString('latin1');
  }
  const quoted = /[",\r\n]/.test(s) || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s;
  return encodeBytes(quoted).toString('latin1');
}

describe('formatRecords', () => {
  // struct { uint32_t id; char name[12]; int16_t v[2]; uint8_t ok; } packed: 4 + 12 + 4 + 1 = 21 bytes
  const SIZE = 21;
  function record(id: number, name: Buffer, v: [number, number], ok: number): Buffer {
    const b = Buffer.alloc(SIZE);
    b.writeUInt32LE(id, 0);
    name.copy(b, 4, 0, 12);
    b.writeInt16LE(v[0], 16);
    b.writeInt16LE(v[1], 18);
    b[20] = ok;
    return b;
  }
  const bytes = Buffer.concat([
    record(1, Buffer.from('Ada'), [-1, 2], 1),
    record(4294967295, Buffer.from('say "hi", ok'), [-32768, 32767], 0),
    record(7, Buffer.from([0x20, 0x61, 0x09, 0xff, 0xc3, 0xa9, 0x5c, 0x0a, 0x01]), [0, 0], 2),
  ]);
  const plan = (format: RecordLineFormat, sep: string, keys: boolean) =>
    compileRecordPlan({
      format,
      index: keys ? '{"#":' : '',
      fields: [
        { kind: 'u32', offset: 0, before: keys ? ',"id":' : sep },
        { kind: 'char', offset: 4, count: 12, before: keys ? ',"name":' : sep },
        { kind: 'i16', offset: 16, count: 2, before: keys ? ',"v":' : sep },
        { kind: 'bool', offset: 20, before: keys ? ',"ok":' : sep },
      ],
      end: keys ? '}\n' : '\n',
    });

  it('writes JSON lines: numbers, arrays, bools, text as JSON.stringify writes it (raw bytes as \\udcXX)', () => {
    expect(lines(plan('json', '', true), bytes, SIZE)).toBe(
      latin1(['{"#":0,"id":1,"name":"Ada","v":[-1,2],"ok":true}', '{"#":1,"id":4294967295,"name":"say \\"hi\\", ok","v":[-32768,32767],"ok":false}', '{"#":2,"id":7,"name":" a\\t\\udcffé\\\\\\n\\u0001","v":[0,0],"ok":true}', ''].join('\n')),
    );
  });

  it('writes CSV cells (quoted with a quote, a comma, a line break or a blank at an edge) and TSV cells (escaped)', () => {
    expect(lines(plan('csv', ',', false), bytes, SIZE)).toBe(
      ['0,1,Ada,"-1,2",true', '1,4294967295,"say ""hi"", ok","-32768,32767",false', `2,7,"${latin1(' a\t')}\xff${latin1('é')}\\\n\x01","0,0",true`, ''].join('\n'),
    );
    expect(lines(plan('tsv', '\t', false), bytes, SIZE)).toBe(['0\t1\tAda\t-1,2\ttrue', '1\t4294967295\tsay "hi", ok\t-32768,32767\tfalse', `2\t7\t a\\t\\xff${latin1('é')}\\\\\\n\x01\t0,0\ttrue`, ''].join('\n'));
  });

  it('stops before a line that might not fit before limit, and continues from there into the next buffer', () => {
    const p = plan('json', '', true);
    const whole = lines(p, bytes, SIZE);
    for (const size of [p.maxLineBytes, p.maxLineBytes + 60, 2 * p.maxLineBytes - 40, 2 * p.maxLineBytes + 1]) {
      const out = Buffer.alloc(size);
      let text = '';
      let calls = 0;
      for (let i = 0; i < 3; ) {
        const r = formatRecords(p, bytes, i, 3, SIZE, out, 0);
        expect(r.next).toBeGreaterThan(i); // a buffer of one longest line always takes one
        text += out.subarray(0, r.outPos).toString('latin1');
        i = r.next;
        calls++;
      }
      expect(text).toBe(whole);
      // A new call (after the caller emptied the buffer) wherever less than maxLineBytes was left.
      let want = 1;
      let pos = 0;
      for (const line of whole.split('\n').slice(0, 3)) {
        if (size - pos < p.maxLineBytes) {
          want++;
          pos = 0;
        }
        pos += line.length + 1;
      }
      expect(calls).toBe(want);
    }
    // No room for one more line: nothing written, the same record next.
    const out = Buffer.alloc(p.maxLineBytes + 10);
    expect(formatRecords(p, bytes, 1, 3, SIZE, out, 11)).toEqual({ next: 1, outPos: 11 });
    expect(formatRecords(p, bytes, 1, 3, SIZE, out, 0, p.maxLineBytes - 1)).toEqual({ next: 1, outPos: 0 });
    expect(formatRecords(p, bytes, 1, 3, SIZE, out, 5, p.maxLineBytes + 5)).toEqual({ next: 2, outPos: 5 + whole.split('\n')[1].length + 1 });
    expect(out.subarray(0, 5)).toEqual(Buffer.alloc(5)); // bytes before outPos untouched
  });

  it('writes every 64-bit integer with all its digits', () => {
    const r = seededRandom(1);
    const n = 5000;
    const b = Buffer.alloc(16 * n);
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
    b.writeBigInt64LE(-(2n ** 63n), 0);
    b.writeBigUInt64LE(2n ** 64n - 1n, 8);
    for (let i = 1; i < n; i += 3) b.fill(0, 16 * i + 3, 16 * i + 8); // small ones too
    const p = compileRecordPlan({ format: 'csv', fields: [{ kind: 'i64', offset: 0, before: '' }, { kind: 'u64', offset: 8, before: ',' }], end: '\n' });
    const want: string[] = [];
    for (let i = 0; i < n; i++) want.push(`${b.readBigInt64LE(16 * i)},${b.readBigUInt64LE(16 * i + 8)}\n`);
    expect(lines(p, b, 16)).toBe(want.join(''));
  });

  it('writes every integer kind, signed and unsigned, as JavaScript does', () => {
    const kinds: Array<[RecordFieldKind, number, (b: Buffer, o: number) => number]> = [
      ['u8', 1, (b, o) => b.readUInt8(o)], ['i8', 1, (b, o) => b.readInt8(o)], ['u16', 2, (b, o) => b.readUInt16LE(o)], ['i16', 2, (b, o) => b.readInt16LE(o)],
      ['u32', 4, (b, o) => b.readUInt32LE(o)], ['i32', 4, (b, o) => b.readInt32LE(o)],
    ];
    const r = seededRandom(2);
    for (const [kind, size, read] of kinds) {
      const b = Buffer.alloc(size * 3000);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      b.fill(0xff, 0, size);
      b.fill(0, size, 2 * size);
      const p = compileRecordPlan({ format: 'tsv', fields: [{ kind, offset: 0, before: '' }], end: '\n' });
      let want = '';
      for (let i = 0; i < 3000; i++) want += `${read(b, i * size)}\n`;
      expect(lines(p, b, size), kind).toBe(want);
    }
  });

  it('writes floats as JavaScript does, over random bit patterns, subnormals, powers of two, NaNs and infinities', () => {
    const r = seededRandom(3);
    const n = 60000;
    const b = Buffer.alloc(12 * n);
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
    for (let i = 0; i < n; i++) {
      const o = 12 * i;
      const pick = i % 8;
      if (pick === 1) {
        dv.setUint32(o + 4, dv.getUint32(o + 4, true) & 0x800fffff, true); // subnormal f64
        dv.setUint32(o + 8, dv.getUint32(o + 8, true) & 0x807fffff, true); // subnormal f32
      } else if (pick === 2) {
        const e = (i >> 3) % 2200;
        dv.setFloat64(o, 2 ** (e - 1100) * (i & 16 ? -1 : 1), true);
        dv.setFloat32(o + 8, 2 ** ((e % 300) - 150), true);
      } else if (pick === 3) {
        dv.setFloat64(o, ((i >> 3) % 100000) / 1000, true);
        dv.setFloat32(o + 8, ((i >> 3) % 100000) / 1000, true);
      } else if (pick === 4) {
        dv.setUint32(o + 4, dv.getUint32(o + 4, true) | 0x7ff00000, true); // NaN or infinity
        dv.setUint32(o + 8, dv.getUint32(o + 8, true) | 0x7f800000, true);
      } else if (pick === 5) {
        const specials = [0, -0, Infinity, -Infinity, 1e21, 1e-7, 1e-6, 123456789012345680000, 5e-324, 1.7976931348623157e308, 3.4028234663852886e38, 0.1];
        dv.setFloat64(o, specials[(i >> 3) % specials.length], true);
        dv.setFloat32(o + 8, specials[(i >> 3) % specials.length], true);
      }
    }
    for (const format of ['json', 'csv'] as const) {
      const p = compileRecordPlan({ format, fields: [{ kind: 'f64', offset: 0, before: '' }, { kind: 'f32', offset: 8, before: ',' }], end: '\n' });
      const got = lines(p, b, 12).split('\n');
      for (let i = 0; i < n; i++) {
        const want = `${jsFloat('f64', dv.getFloat64(12 * i, true), format === 'json')},${jsFloat('f32', dv.getFloat32(12 * i + 8, true), format === 'json')}`;
        if (got[i] !== want) expect({ i, bits: b.subarray(12 * i, 12 * i + 12).toString('hex'), got: got[i] }).toEqual({ i, bits: b.subarray(12 * i, 12 * i + 12).toString('hex'), got: want });
      }
    }
  });

  it('writes text as JSON.stringify, the TSV escapes and CSV quoting write it, over random bytes and tricky pieces', () => {
    const r = seededRandom(4);
    const pieces = [
      'a', 'Zoë', ' ', '"', ',', '\\', '\t', '\n', '\r', '\x0b', '\x0c', '\x08', '\x01', '\x7f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u200b',
      '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085', '\u180e', '😀', '✓',
    ].map((s) => Buffer.from(s));
    const raw = [[0x80], [0xff], [0xc0, 0xaf], [0xc2], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xe2, 0x80], [0xf0, 0x9f, 0x98]].map((a) => Buffer.from(a));
    for (const cap of [1, 3, 7, 8, 9, 16, 31, 33]) {
      const n = 800;
      const b = Buffer.alloc(cap * n);
      for (let i = 0; i < n; i++) {
        const parts: Buffer[] = [];
        const style = r();
        if (style < 0.15) for (let k = 0; k < cap; k++) parts.push(Buffer.of(Math.floor(r() * 256)));
        else if (style < 0.3) for (let k = 0; k < cap; k++) parts.push(Buffer.of(0x20 + Math.floor(r() * 95)));
        else while (r() < 0.85) parts.push(r() < 0.2 ? raw[Math.floor(r() * raw.length)] : pieces[Math.floor(r() * pieces.length)]);
        Buffer.concat(parts).copy(b, i * cap, 0, cap);
      }
      for (const format of ['json', 'csv', 'tsv'] as const) {
        // Lines end in NUL here: text never holds one (it ends at the first), and CSV keeps line breaks as they are.
        const p = compileRecordPlan({ format, fields: [{ kind: 'char', offset: 0, count: cap, before: '' }], end: '\0' });
        const got = lines(p, b, cap).split('\0');
        for (let i = 0; i < n; i++) {
          const field = b.subarray(i * cap, (i + 1) * cap);
          const want = jsText(format, field);
          if (got[i] !== want) expect({ cap, format, bytes: field.toString('hex'), got: got[i] }).toEqual({ cap, format, bytes: field.toString('hex'), got: want });
        }
      }
    }
  });

  it('reads the zeros core puts where a shrunk file was, without a crash; check() reports the shrink', () => {
    const p = join(tmp.path, 'shrunk.db');
    const size = 16;
    const count = (2 * pageSize()) / size;
    const b = Buffer.alloc(count * size);
    for (let i = 0; i < count; i++) b.writeUInt32LE(i + 1, i * size);
    writeFileSync(p, b);
    const m = openMapping(p);
    truncateSync(p, pageSize());
    const plan = compileRecordPlan({ format: 'tsv', fields: [{ kind: 'u32', offset: 0, before: '' }], end: '\n' });
    const got = lines(plan, m.bytes, size, count).split('\n');
    expect(got[0]).toBe('1');
    expect(got[pageSize() / size - 1]).toBe(String(pageSize() / size));
    expect(got[pageSize() / size]).toBe('0');
    expect(got[count - 1]).toBe('0');
    expect(m.faults).toBeGreaterThan(0);
    expect(() => m.check('being read')).toThrow(`${p}: file shrank to ${pageSize()} bytes while being read`);
    m.unmap();
  });

  it('refuses records outside the bytes, a record size smaller than the fields, a bad output range or a plan that is not one', () => {
    const p = compileRecordPlan({ format: 'json', fields: [{ kind: 'u64', offset: 8, before: '' }], end: '\n' });
    expect(p.recordBytes).toBe(16);
    const b = Buffer.alloc(32);
    const out = Buffer.alloc(1024);
    expect(errorCode(() => formatRecords(p, b, 0, 3, 16, out, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => formatRecords(p, b, 2, 1, 16, out, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => formatRecords(p, b, 0, 2, 15, out, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => formatRecords(p, b, 0, 2, 16, out, 0, 1025))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => formatRecords(p, b, 0, 2, 16, out, 10, 5))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => formatRecords({ ...p, program: p.program.subarray(0, 20) }, b, 0, 2, 16, out, 0))).toBe('ERR_INVALID_ARG_VALUE');
    const forged = Buffer.from(p.program);
    forged.writeUInt32LE(99, 7 * 4); // field kind
    expect(errorCode(() => formatRecords({ ...p, program: forged }, b, 0, 2, 16, out, 0))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => compileRecordPlan({ format: 'xml' as RecordLineFormat, fields: [], end: '' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => compileRecordPlan({ format: 'csv', fields: [{ kind: 'u128' as RecordFieldKind, offset: 0, before: '' }], end: '' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => compileRecordPlan({ format: 'csv', fields: [{ kind: 'u8', offset: -1, before: '' }], end: '' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(errorCode(() => compileRecordPlan({ format: 'csv', fields: [{ kind: 'u8', offset: 0, count: 0, before: '' }], end: '' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(formatRecords(p, b, 0, 2, 16, out, 0)).toEqual({ next: 2, outPos: 4 });
  });
});
