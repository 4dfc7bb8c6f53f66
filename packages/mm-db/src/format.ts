/**
 * Output: records as TSV (with a header), CSV, NDJSON (one object per line) or an aligned
 * table. The line formats are written straight from the mapped bytes into one reusable
 * output buffer, without building an object per record, so exporting a million records
 * costs little more than the write(2) calls.
 */
import type { FieldLayout, Layout } from './layout.js';
import { encodeBytes, hasRawBytes } from '@mm/core';
import type { Database } from './db.js';
import { decodeText, formatFloat, formatValueJson, formatValueText, isText, textCapacity, type Row } from './codec.js';

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
}

/** Bytes of the file {@link RecordWriter.writeRange} brings in, formats and lets go at a time. */
export const PASS_BLOCK = 8 << 20;

/** The name of the index column / key. */
export const INDEX_KEY = '#';

class Out {
  buf: Buffer;
  pos = 0;
  constructor(
    private readonly sink: Sink,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
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

function escapeTsv(s: string): string {
  return s.replace(/[\\\t\n\r]|(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : rawByte(c)));
}

function quoteCsv(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Upper bound of the bytes one field's value can take in any line format. */
function maxValueBytes(f: FieldLayout): number {
  if (isText(f)) return 6 * textCapacity(f) + 2;
  return (f.count ?? 1) * 26 + 4;
}

function textEmitter(f: FieldLayout, format: LineFormat, out: Out): Emit {
  const off = f.offset;
  const cap = textCapacity(f);
  const slow = format === 'json' ? (s: string) => JSON.stringify(s) : format === 'csv' ? quoteCsv : escapeTsv;
  const quoteByte = format === 'json' ? 34 : -1;
  // Bytes that may be copied as they are: printable ASCII minus the format's special characters.
  const special = format === 'json' ? [34, 92] : format === 'csv' ? [34, 44] : [92];
  const plain = new Uint8Array(256);
  for (let c = 0x20; c < 0x7f; c++) plain[c] = special.includes(c) ? 0 : 1;
  // CSV: a blank inside is plain, but a leading or trailing one needs quotes (checked below).
  const csv = format === 'csv';
  return (bytes, _dv, base) => {
    const b = out.buf;
    const start = out.pos;
    let p = start;
    if (quoteByte >= 0) b[p++] = quoteByte;
    const s = base + off;
    const e = s + cap;
    for (let k = s; k < e; k++) {
      const c = bytes[k];
      if (c === 0) break;
      if (plain[c] === 0) {
        out.pos = start;
        out.utf8(slow(decodeText(bytes, s, cap)));
        return;
      }
      b[p++] = c;
    }
    if (csv && p > start && (b[start] === 0x20 || b[p - 1] === 0x20)) {
      out.pos = start;
      out.utf8(slow(decodeText(bytes, s, cap)));
      return;
    }
    if (quoteByte >= 0) b[p++] = quoteByte;
    out.pos = p;
  };
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

/** Copies plain text bytes of a char[N] field (up to its NUL) to b[p], in quotes for JSON; -1 when a byte needs escaping. */
function textCopier(format: LineFormat): (b: Buffer, p: number, bytes: Buffer, s: number, cap: number) => number {
  const special = format === 'json' ? [34, 92] : format === 'csv' ? [34, 44] : [92];
  const plain = new Uint8Array(256);
  for (let c = 0x20; c < 0x7f; c++) plain[c] = special.includes(c) ? 0 : 1;
  const quote = format === 'json';
  // CSV quotes a value with a leading or trailing blank; blanks inside stay on the fast path.
  const edgeBlank = format === 'csv';
  return (b, p, bytes, s, cap) => {
    const start = p;
    if (quote) b[p++] = 34;
    const e = s + cap;
    for (let k = s; k < e; k++) {
      const c = bytes[k];
      if (c === 0) break;
      if (plain[c] === 0) return -1;
      b[p++] = c;
    }
    if (edgeBlank && p > start && (b[start] === 0x20 || b[p - 1] === 0x20)) return -1;
    if (quote) b[p++] = 34;
    return p;
  };
}

const SMALL_INT_GETTER: Partial<Record<string, string>> = {
  i8: 'getInt8', u8: 'getUint8', i16: 'getInt16', u16: 'getUint16', i32: 'getInt32', u32: 'getUint32',
};

/**
 * Generates one straight-line function writing a whole record (constant bytes stored one
 * by one, small integers and plain text inline, everything else through the field's
 * emitter), generated once per output from field names that are C identifiers.
 */
function compileLine(fields: FieldLayout[], format: LineFormat, index: boolean, emits: Emit[], out: Out): (bytes: Buffer, dv: DataView, base: number, i: number) => void {
  const code: string[] = ['const b = out.buf; let p = out.pos; let v;'];
  const constant = (text: string) => {
    for (const byte of Buffer.from(text)) code.push(`b[p++] = ${byte};`);
  };
  const sep = format === 'tsv' ? '\t' : ',';
  const keyPrefix = (k: number, name: string) => (format === 'json' ? `${k ? ',' : '{'}${JSON.stringify(name)}:` : k ? (format === 'tsv' ? '	' : sep) : '');
  let k = 0;
  if (index) {
    constant(keyPrefix(k++, INDEX_KEY));
    code.push('p = putInt(b, p, i);');
  }
  fields.forEach((f, j) => {
    constant(keyPrefix(k++, f.name));
    const getter = SMALL_INT_GETTER[f.kind];
    if (getter && f.count === undefined) {
      code.push(`p = putInt(b, p, dv.${getter}(base + ${f.offset}${f.elemSize > 1 ? ', true' : ''}));`);
    } else if (isText(f)) {
      code.push(`v = copyText(b, p, bytes, base + ${f.offset}, ${textCapacity(f)});`);
      code.push(`if (v < 0) { out.pos = p; emits[${j}](bytes, dv, base); p = out.pos; } else p = v;`);
    } else {
      code.push(`out.pos = p; emits[${j}](bytes, dv, base); p = out.pos;`);
    }
  });
  constant(format === 'json' ? '}\n' : '\n');
  code.push('out.pos = p;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the line printer is generated code on purpose (one function per schema, for speed)
  const make = new Function('out', 'emits', 'putInt', 'copyText', `return function line(bytes, dv, base, i) {\n${code.join('\n')}\n};`) as (
    o: Out,
    e: Emit[],
    pi: typeof putInt,
    ct: ReturnType<typeof textCopier>,
  ) => (bytes: Buffer, dv: DataView, base: number, i: number) => void;
  return make(out, emits, putInt, textCopier(format));
}

/**
 * Writes records of a {@link Database} as lines to a sink: a header (TSV, CSV), then one
 * line per record. Call {@link RecordWriter.end} to flush the last bytes.
 */
export class RecordWriter {
  private readonly out: Out;
  private readonly emits: Emit[];
  private readonly maxRecord: number;
  private readonly fields: FieldLayout[];
  private readonly line: (bytes: Buffer, dv: DataView, base: number, i: number) => void;

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
    this.out = new Out(sink, Math.max(options.bufferSize ?? 1 << 20, 2 * max));
    this.emits = fields.map((f) => fieldEmitter(f, format, this.out));
    this.line = compileLine(fields, format, !!options.index, this.emits, this.out);
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
    this.line(db.bytes, db.view, i * db.recordSize, i);
  }

  /**
   * Writes records [start, end), a block of about {@link PASS_BLOCK} bytes of the file at a
   * time: each block's pages are brought in with one call before it is formatted (not one
   * page fault at a time) and let go after it, so a pass over a file of any size keeps a
   * bounded resident size.
   */
  writeRange(start: number, end: number): void {
    const { out, line, db, maxRecord } = this;
    const rs = db.recordSize;
    const bytes = db.bytes;
    const dv = db.view;
    const limit = out.buf.length - maxRecord;
    const block = Math.max(1, Math.floor(PASS_BLOCK / rs));
    for (let first = start; first < end; first += block) {
      const last = Math.min(end, first + block);
      db.prefault(first, last - first);
      for (let i = first; i < last; i++) {
        if (out.pos > limit) out.flush();
        line(bytes, dv, i * rs, i);
      }
      db.release(first, last - first);
    }
  }

  /** Flushes what is buffered. */
  end(): void {
    this.out.flush();
  }
}

/** One record object as a JSON line (without the newline); 64-bit integers keep every digit. */
export function formatRowJson(layout: Layout, row: Row): string {
  const parts: string[] = [];
  for (const f of layout.fields) if (f.name in row) parts.push(`${JSON.stringify(f.name)}:${formatValueJson(f, row[f.name])}`);
  return `{${parts.join(',')}}`;
}

function tableCell(s: string): string {
  return s.replace(/[\x00-\x1f\x7f\\]|(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => (c.charCodeAt(0) >= 0xdc80 ? rawByte(c) : ctrl(c)));
}

/** A raw (non-UTF-8) byte carried as U+DC80+byte, shown as `\xHH`. */
function rawByte(c: string): string {
  return `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`;
}

function ctrl(c: string): string {
  return (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * An aligned table for a terminal: an index column `#`, then the fields; numbers are
 * right-aligned, text left-aligned, control characters shown escaped. `bold` styles the header.
 */
export function renderTable(db: Database, indices: Iterable<number>, fields: FieldLayout[] = db.layout.fields, bold: (s: string) => string = (s) => s): string {
  const head = [INDEX_KEY, ...fields.map((f) => f.name)];
  const right = [true, ...fields.map((f) => !isText(f) && f.kind !== 'bool' && f.count === undefined)];
  const rows: string[][] = [];
  for (const i of indices) {
    const row = db.get(i);
    rows.push([String(i), ...fields.map((f) => tableCell(formatValueText(f, row[f.name])))]);
  }
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c === cells.length - 1 && !right[c] ? s : right[c] ? s.padStart(width[c]) : s.padEnd(width[c])))
      .join('  ')
      .trimEnd();
  return [bold(line(head)), ...rows.map(line)].join('\n') + '\n';
}
