/**
 * Output: records as TSV (with a header), CSV or NDJSON (one object per line). The lines are
 * written straight from the mapped bytes into one reusable output buffer, without building
 * an object per record: a pass over the file ({@link RecordWriter.writeRange}) is core's
 * native record formatter, one call per output buffer, run by a plan compiled once per
 * output; single records, and any output the native plan cannot be made for, go through a
 * loop generated in JavaScript, which is also the reference the native pass is tested
 * against byte for byte.
 */
import { compileRecordPlan, encodeBytes, formatRecords, hasRawBytes, type RecordFieldSpec, type RecordPlan } from '@mm/core';
import type { FieldLayout } from '../layout.js';
import type { Database } from '../db.js';
import { isSmallInt, readExpression, type ScalarKind } from '../accessors.js';
import { decodeText } from '../record.js';
import { isText, textCapacity } from '../value/kinds.js';
import { formatFloat } from '../value/format.js';
import { escapeTsv, quoteCsv } from './escape.js';

/** Line formats. `tsv`: tab-separated with a header line; `csv`: RFC 4180 with a header; `json`: NDJSON. */
export type LineFormat = 'tsv' | 'csv' | 'json';

/** Receives output bytes; the chunk is reused after the call returns, so copy it to keep it. */
export type Sink = (chunk: Buffer) => void;

/** Options of {@link RecordWriter}. */
export interface RecordWriterOptions {
  format: LineFormat;
  /** Fields to print, in order. Default: all. */
  fields?: FieldLayout[];
  /** Prefix each record with its index (`#` column / key). */
  index?: boolean;
  /** Bytes buffered before the sink is called. Default 1 MiB. */
  bufferSize?: number;
  /**
   * Format passes over the file in native code (the default), or with the JavaScript loop
   * only (false): the two write the same bytes.
   */
  native?: boolean;
}

/** Bytes of the file {@link RecordWriter.writeRange} brings in, formats and lets go at a time. */
export const PASS_BLOCK = 8 << 20;

/** The name of the index column / key. */
export const INDEX_KEY = '#';

class Out {
  buf: Buffer;
  /** The same bytes as `buf`, for storing four constant bytes at once. */
  view: DataView;
  pos = 0;
  constructor(
    private readonly sink: Sink,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  flush(): void {
    if (this.pos) {
      const p = this.pos;
      this.pos = 0;
      this.sink(this.buf.subarray(0, p));
    }
  }

  ascii(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  utf8(s: string): void {
    if (hasRawBytes(s)) {
      this.pos += encodeBytes(s).copy(this.buf, this.pos);
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A whole number with |n| < 2^53, as decimal digits. */
  int(n: number): void {
    this.pos = putInt(this.buf, this.pos, n);
  }
}

type Emit = (bytes: Buffer, dv: DataView, base: number) => void;

const TWO32 = 4294967296;

/** Upper bound of the bytes one field's value can take in any line format. */
function maxValueBytes(f: FieldLayout): number {
  if (isText(f)) return 6 * textCapacity(f) + 2;
  return (f.count ?? 1) * 26 + 4;
}

/**
 * Text the generated loop could not copy as it is (a byte to escape, a CSV value to quote):
 * decoded, escaped or quoted by the format's rules, and encoded back at `out.pos`.
 */
function textEmitter(f: FieldLayout, format: LineFormat, out: Out): Emit {
  const off = f.offset;
  const cap = textCapacity(f);
  const slow = format === 'json' ? (s: string) => JSON.stringify(s) : format === 'csv' ? quoteCsv : escapeTsv;
  return (bytes, _dv, base) => out.utf8(slow(decodeText(bytes, base + off, cap)));
}

function scalarEmitter(f: FieldLayout, format: LineFormat, out: Out, at: (base: number, k: number) => number): (bytes: Buffer, dv: DataView, base: number, k: number) => void {
  const json = format === 'json';
  switch (f.kind) {
    case 'i8': return (_b, dv, base, k) => out.int(dv.getInt8(at(base, k)));
    case 'u8': return (_b, dv, base, k) => out.int(dv.getUint8(at(base, k)));
    case 'i16': return (_b, dv, base, k) => out.int(dv.getInt16(at(base, k), true));
    case 'u16': return (_b, dv, base, k) => out.int(dv.getUint16(at(base, k), true));
    case 'i32': return (_b, dv, base, k) => out.int(dv.getInt32(at(base, k), true));
    case 'u32': return (_b, dv, base, k) => out.int(dv.getUint32(at(base, k), true));
    case 'bool': return (_b, dv, base, k) => out.ascii(dv.getUint8(at(base, k)) ? 'true' : 'false');
    case 'f32':
    case 'f64': {
      const kind = f.kind;
      const get = kind === 'f32' ? (dv: DataView, o: number) => dv.getFloat32(o, true) : (dv: DataView, o: number) => dv.getFloat64(o, true);
      return (_b, dv, base, k) => {
        const v = get(dv, at(base, k));
        if (json && !Number.isFinite(v)) out.ascii(Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"');
        else out.ascii(formatFloat(kind, v));
      };
    }
    case 'u64':
      return (_b, dv, base, k) => {
        const o = at(base, k);
        const hi = dv.getUint32(o + 4, true);
        if (hi < 0x200000) out.int(hi * TWO32 + dv.getUint32(o, true));
        else out.ascii(dv.getBigUint64(o, true).toString());
      };
    case 'i64':
      return (_b, dv, base, k) => {
        const o = at(base, k);
        const hi = dv.getInt32(o + 4, true);
        if (hi < 0x200000 && hi >= -0x200000) out.int(hi * TWO32 + dv.getUint32(o, true));
        else out.ascii(dv.getBigInt64(o, true).toString());
      };
    default:
      throw new Error(`no emitter for ${f.kind}`);
  }
}

function fieldEmitter(f: FieldLayout, format: LineFormat, out: Out): Emit {
  if (isText(f)) return textEmitter(f, format, out);
  const off = f.offset;
  if (f.count === undefined) {
    const one = scalarEmitter(f, format, out, (base) => base + off);
    return (bytes, dv, base) => one(bytes, dv, base, 0);
  }
  const step = f.elemSize;
  const n = f.count;
  const each = scalarEmitter(f, format, out, (base, k) => base + off + k * step);
  const [open, close] = format === 'json' ? [91, 93] : format === 'csv' && n > 1 ? [34, 34] : [-1, -1];
  return (bytes, dv, base) => {
    if (open >= 0) out.byte(open);
    for (let k = 0; k < n; k++) {
      if (k) out.byte(44);
      each(bytes, dv, base, k);
    }
    if (close >= 0) out.byte(close);
  };
}

/** Writes a whole number 0 ≤ |n| < 2^53 as digits at b[p]; returns the position after it. */
function putInt(b: Buffer, p: number, n: number): number {
  if (n < 0) {
    b[p++] = 45;
    n = -n;
  }
  if (n < 10) {
    b[p] = 48 + n;
    return p + 1;
  }
  if (n < 100) {
    const t = (n / 10) | 0;
    b[p] = 48 + t;
    b[p + 1] = 48 + n - 10 * t;
    return p + 2;
  }
  let len = n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  for (let t = 1e10; t <= n; t *= 10) len++;
  let q = p + len - 1;
  while (n >= 10) {
    const d = n % 10;
    b[q--] = 48 + d;
    n = (n - d) / 10;
  }
  b[q] = 48 + n;
  return p + len;
}

// The branches of putInt for one to nine digits taken once before any pass (small integers
// only, as the fields' values are): optimized code that inlines it then does not meet an
// untaken branch mid-pass (ids passing 10,000, then 100,000), each of which would send it
// back to the interpreter until it is optimized again.
// (A function records what its branches see only after some calls, hence the rounds.)
{
  const scratch = Buffer.alloc(24);
  for (let round = 0; round < 64; round++) for (let n = 1; n < 1e9; n *= 10) putInt(scratch, 0, n + round);
}

/** The bytes of a text field a line format copies as they are: printable ASCII minus its special characters. */
function plainBytes(format: LineFormat): Uint8Array {
  const special = format === 'json' ? [34, 92] : format === 'csv' ? [34, 44] : [92];
  const plain = new Uint8Array(256);
  for (let c = 0x20; c < 0x7f; c++) plain[c] = special.includes(c) ? 0 : 1;
  return plain;
}

/** The constant text before the `k`th value of a line: a separator, and in JSON the key. */
function beforeValue(format: LineFormat, k: number, name: string): string {
  if (format === 'json') return `${k ? ',' : '{'}${JSON.stringify(name)}:`;
  return k ? (format === 'tsv' ? '\t' : ',') : '';
}

/**
 * The native plan of a line: the same constant text as the generated loop, each field's kind,
 * offset and count as the layout has them. Undefined when core cannot compile it (the
 * JavaScript loop then writes every line).
 */
function nativePlan(fields: FieldLayout[], format: LineFormat, index: boolean): RecordPlan | undefined {
  let k = 0;
  const specs: RecordFieldSpec[] = fields.map((f) => ({ kind: f.kind, offset: f.offset, count: f.count, before: beforeValue(format, k++ + (index ? 1 : 0), f.name) }));
  try {
    return compileRecordPlan({ format, fields: specs, index: index ? beforeValue(format, 0, INDEX_KEY) : undefined, end: format === 'json' ? '}\n' : '\n' });
  } catch {
    return undefined;
  }
}

/** Formats records [i, end) into the output buffer until it passes `limit`; returns the next record to write. */
type RangeWriter = (bytes: Buffer, dv: DataView, i: number, end: number, rs: number, limit: number) => number;

/**
 * Generates the loop that writes records, once per output, from the layout (field names are
 * C identifiers): one straight-line body per record, with the constant bytes of the line
 * stored four at a time, small integers and plain ASCII text written as bytes into the
 * reused output buffer (no string per record), and only the rare rest (text needing escapes,
 * floats, 64-bit integers, arrays) through the field's emitter. The numbers are read with
 * the DataView calls of the accessor table.
 */
function compileRange(fields: FieldLayout[], format: LineFormat, index: boolean, emits: Emit[], out: Out): RangeWriter {
  const code: string[] = [];
  const constant = (text: string) => {
    const bytes = Buffer.from(text);
    let k = 0;
    for (; k + 4 <= bytes.length; k += 4) code.push(`ov.setUint32(p, ${bytes.readUInt32LE(k)}, true); p += 4;`);
    for (; k < bytes.length; k++) code.push(`b[p++] = ${bytes[k]};`);
  };
  const json = format === 'json';
  const keyPrefix = (k: number, name: string) => beforeValue(format, k, name);
  let k = 0;
  if (index) {
    constant(keyPrefix(k++, INDEX_KEY));
    code.push('p = putInt(b, p, i);');
  }
  fields.forEach((f, j) => {
    constant(keyPrefix(k++, f.name));
    const slow = `{ out.pos = s; emits[${j}](bytes, dv, base); p = out.pos; break f${j}; }`;
    if (isSmallInt(f.kind) && f.count === undefined) {
      code.push(`v = ${readExpression(f.kind as ScalarKind, 'dv', `base + ${f.offset}`)};`);
      code.push('if (v >= 0 && v < 10) b[p++] = 48 + v; else p = putInt(b, p, v);');
    } else if (isText(f)) {
      code.push(`f${j}: {`, 's = p;');
      if (json) code.push('b[p++] = 34;');
      code.push(`for (let q = base + ${f.offset}, e = q + ${textCapacity(f)}; q < e; q++) {`, 'c = bytes[q];', 'if (c === 0) break;', `if (plain[c] === 0) ${slow}`, 'b[p++] = c;', '}');
      // CSV quotes a value with a leading or trailing blank; blanks inside stay on this path.
      if (format === 'csv') code.push(`if (p > s && (b[s] === 32 || b[p - 1] === 32)) ${slow}`);
      if (json) code.push('b[p++] = 34;');
      code.push('}');
    } else {
      code.push(`out.pos = p; emits[${j}](bytes, dv, base); p = out.pos;`);
    }
  });
  constant(json ? '}\n' : '\n');
  const body = [
    'const b = out.buf; const ov = out.view; let p = out.pos; let v = 0, c = 0, s = 0;',
    'for (let base = i * rs; i < end && p <= limit; i++, base += rs) {',
    ...code,
    '}',
    'out.pos = p;',
    'return i;',
  ];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the record writer is generated code on purpose (one function per schema and output, for speed)
  const make = new Function('out', 'emits', 'putInt', 'plain', `return function writeRecords(bytes, dv, i, end, rs, limit) {\n${body.join('\n')}\n};`) as (
    o: Out,
    e: Emit[],
    pi: typeof putInt,
    plain: Uint8Array,
  ) => RangeWriter;
  return make(out, emits, putInt, plainBytes(format));
}

/**
 * Writes records of a {@link Database} as lines to a sink: a header (TSV, CSV), then one
 * line per record. Call {@link RecordWriter.end} to flush the last bytes.
 */
export class RecordWriter {
  private readonly out: Out;
  private readonly maxRecord: number;
  private readonly fields: FieldLayout[];
  private generated: RangeWriter | undefined;
  private readonly plan: RecordPlan | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: RecordWriterOptions,
    sink: Sink,
  ) {
    const fields = (this.fields = options.fields ?? db.layout.fields);
    const { format } = options;
    let max = 32;
    for (const f of fields) max += maxValueBytes(f) + f.name.length + 8;
    this.maxRecord = max;
    this.plan = options.native === false ? undefined : nativePlan(fields, format, !!options.index);
    this.out = new Out(sink, Math.max(options.bufferSize ?? 1 << 20, 2 * max, 2 * (this.plan?.maxLineBytes ?? 0)));
  }

  /** The generated JavaScript loop, made on first use (a pass by the native plan never needs it). */
  private get range(): RangeWriter {
    if (!this.generated) {
      const { fields, options, out } = this;
      const emits = fields.map((f) => fieldEmitter(f, options.format, out));
      this.generated = compileRange(fields, options.format, !!options.index, emits, out);
    }
    return this.generated;
  }

  /** Writes the header line (TSV and CSV; nothing for JSON). */
  header(): void {
    if (this.options.format === 'json') return;
    const names = [...(this.options.index ? [INDEX_KEY] : []), ...this.fields.map((f) => f.name)];
    this.out.room(names.join(',').length * 2 + 8);
    this.out.utf8(names.join(this.options.format === 'tsv' ? '\t' : ',') + '\n');
  }

  /** Writes record `i` as one line. */
  write(i: number): void {
    const { out, db } = this;
    out.room(this.maxRecord);
    this.range(db.bytes, db.view, i, i + 1, db.recordSize, Infinity);
  }

  /**
   * Writes records [start, end), a block of about {@link PASS_BLOCK} bytes of the file at a
   * time: each block's pages are brought in with one call before it is formatted (not one
   * page fault at a time) and let go after it, so a pass over a file of any size keeps a
   * bounded resident size.
   */
  writeRange(start: number, end: number): void {
    if (this.plan) {
      this.writeRangeNative(this.plan, start, end);
      return;
    }
    const { out, range, db, maxRecord } = this;
    const rs = db.recordSize;
    const bytes = db.bytes;
    const dv = db.view;
    const limit = out.buf.length - maxRecord;
    const block = Math.max(1, Math.floor(PASS_BLOCK / rs));
    for (let first = start; first < end; first += block) {
      const last = Math.min(end, first + block);
      db.prefault(first, last - first);
      for (let i = first; i < last; ) {
        if (out.pos > limit) out.flush();
        i = range(bytes, dv, i, last, rs, limit);
      }
      db.release(first, last - first);
    }
  }

  /** {@link RecordWriter.writeRange} by core's native formatter: one call fills the output buffer. */
  private writeRangeNative(plan: RecordPlan, start: number, end: number): void {
    const { out, db } = this;
    const rs = db.recordSize;
    const bytes = db.bytes;
    const block = Math.max(1, Math.floor(PASS_BLOCK / rs));
    for (let first = start; first < end; first += block) {
      const last = Math.min(end, first + block);
      db.prefault(first, last - first);
      for (let i = first; i < last; ) {
        const r = formatRecords(plan, bytes, i, last, rs, out.buf, out.pos, out.buf.length);
        out.pos = r.outPos;
        // Stopped short: the next line might not fit, so the buffer goes out first.
        if (r.next < last) out.flush();
        i = r.next;
      }
      db.release(first, last - first);
    }
  }

  /** Flushes what is buffered. */
  end(): void {
    this.out.flush();
  }
}

