/**
 * Field codecs: read a field's bytes out of a record, write a value into them, and turn
 * text (`age=42`, a CSV cell, a JSON number literal) into a checked value. Integers are
 * little-endian two's complement; 64-bit ones are BigInts so no digit is lost through a
 * double; f32/f64 are IEEE 754; bool is one byte 0/1; char[N] is UTF-8 text padded with
 * NUL bytes (a value longer than N bytes is an error, never cut).
 */
import type { Kind } from './schema.js';
import { decodeBytes, encodeBytes, hasRawBytes } from '@mm/core';
import type { FieldLayout } from './layout.js';

/** A single value: numbers (BigInt for 64-bit integers), booleans. */
export type Scalar = number | bigint | boolean;
/** A field's value: a scalar, text (char[N]), or an array of scalars (`u16 v[4]`). */
export type Value = Scalar | string | Scalar[];
/** One record as an object, field name → value. */
export type Row = Record<string, Value>;

/** A value that does not fit its field (out of range, not a number, text too long…). Exit status 1 in the CLI. */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

interface IntRange {
  min: bigint;
  max: bigint;
}
const INT_RANGE: Partial<Record<Kind, IntRange>> = {
  i8: { min: -128n, max: 127n },
  i16: { min: -32768n, max: 32767n },
  i32: { min: -2147483648n, max: 2147483647n },
  i64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  u8: { min: 0n, max: 255n },
  u16: { min: 0n, max: 65535n },
  u32: { min: 0n, max: 4294967295n },
  u64: { min: 0n, max: 2n ** 64n - 1n },
};

/** The smallest and largest value of an integer kind, as BigInts (undefined for other kinds). */
export function intRange(kind: Kind): IntRange | undefined {
  return INT_RANGE[kind];
}

/** True for i64/u64 (values are BigInts). */
export function isWide(kind: Kind): boolean {
  return kind === 'i64' || kind === 'u64';
}

/** True when a field holds text (a char or char[N]). */
export function isText(f: { kind: Kind }): boolean {
  return f.kind === 'char';
}

/** True when a field holds an array of numbers or bools (not text). */
export function isArray(f: { kind: Kind; count?: number }): boolean {
  return f.kind !== 'char' && f.count !== undefined;
}

/** The type as written in messages: `u8`, `char[32]`, `u16[4]`. */
export function typeLabel(f: { kind: Kind; count?: number }): string {
  return f.count !== undefined ? `${f.kind}[${f.count}]` : f.kind === 'char' ? 'char[1]' : f.kind;
}

/** Bytes of text a char field holds (1 for a lone char). */
export function textCapacity(f: { kind: Kind; count?: number }): number {
  return f.count ?? 1;
}

const INT_TEXT = /^[+-]?[0-9]+$/;
const FLOAT_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL_FLOAT: Record<string, number> = {
  inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity,
  nan: NaN, '+nan': NaN, '-nan': NaN,
};

function quote(text: string): string {
  return `'${text.length > 40 ? text.slice(0, 37) + '...' : text}'`;
}

/** Parses an integer of `kind` from text (decimal or 0x hex), checking its range. 64-bit kinds give BigInts. */
export function parseInteger(kind: Kind, text: string, name: string): number | bigint {
  const t = text; // the one number grammar: decimal, no blanks, no hex (docs/architecture.md)
  const range = INT_RANGE[kind]!;
  if (!INT_TEXT.test(t)) {
    if (FLOAT_TEXT.test(t) || /^[+-]?(inf|infinity|nan)$/i.test(t)) throw new ValueError(`${name}: ${quote(text)} is not a whole number (${kind})`);
    throw new ValueError(`${name}: ${quote(text)} is not a number`);
  }
  const neg = t[0] === '-';
  const digits = t[0] === '-' || t[0] === '+' ? t.slice(1) : t;
  let v = BigInt(digits);
  if (neg) v = -v;
  if (v < range.min || v > range.max) throw new ValueError(`${name}: ${text} is out of range for ${kind} (${range.min}..${range.max})`);
  return isWide(kind) ? v : Number(v);
}

/** Parses a float (decimal, exponent, inf, nan); f32 values are rounded to single precision and must not overflow it. */
export function parseFloatText(kind: 'f32' | 'f64', text: string, name: string): number {
  const t = text;
  let v: number;
  const special = SPECIAL_FLOAT[t.toLowerCase()];
  if (special !== undefined) v = special;
  else if (FLOAT_TEXT.test(t)) v = Number(t.replace(/^\+/, ''));
  else throw new ValueError(`${name}: ${quote(text)} is not a number`);
  if (!Number.isFinite(v) && special === undefined) throw new ValueError(`${name}: ${t} is out of range for ${kind}`);
  if (kind === 'f32') {
    const r = Math.fround(v);
    if (Number.isFinite(v) && !Number.isFinite(r)) throw new ValueError(`${name}: ${t} is out of range for f32 (largest 3.4028234663852886e38)`);
    return r;
  }
  return v;
}

/** Parses a bool: true/false, 1/0 (case-insensitive). */
export function parseBool(text: string, name: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new ValueError(`${name}: ${quote(text)} is not a bool (true, false, 1 or 0)`);
}

/** Parses one scalar of `kind` from text. */
export function parseScalar(kind: Kind, text: string, name: string): Scalar {
  if (kind === 'bool') return parseBool(text, name);
  if (kind === 'f32' || kind === 'f64') return parseFloatText(kind, text, name);
  return parseInteger(kind, text, name);
}

/** Checks text against a char[N] field: at most N bytes of UTF-8, no NUL inside. */
export function checkText(f: FieldLayout, text: string): string {
  const cap = textCapacity(f);
  const n = hasRawBytes(text) ? encodeBytes(text).length : Buffer.byteLength(text, 'utf8');
  if (n > cap) throw new ValueError(`${f.name}: ${quote(text)} is ${n} bytes, longer than ${typeLabel(f)} (at most ${cap})`);
  if (text.includes('\0')) throw new ValueError(`${f.name}: text may not contain a NUL byte`);
  return text;
}

/**
 * Parses a field's value from text, as given in `field=value`, a CSV cell or a TSV column:
 * numbers for numeric fields, true/false for bool, the text itself for char[N], and
 * comma-separated elements (optionally in brackets) for arrays; missing elements are zero.
 */
export function parseFieldText(f: FieldLayout, text: string): Value {
  if (isText(f)) return checkText(f, text);
  if (f.count === undefined) return parseScalar(f.kind, text, f.name);
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  const parts = t === '' ? [] : t.split(',');
  if (parts.length > f.count) throw new ValueError(`${f.name}: ${parts.length} values, more than ${typeLabel(f)} holds`);
  return parts.map((p, i) => parseScalar(f.kind, p, `${f.name}[${i}]`));
}

function scalarFromJs(kind: Kind, v: unknown, name: string): Scalar {
  if (typeof v === 'string') return parseScalar(kind, v, name);
  if (kind === 'bool') {
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    throw new ValueError(`${name}: ${String(v)} is not a bool`);
  }
  if (typeof v === 'boolean') throw new ValueError(`${name}: ${v} is not a number`);
  if (kind === 'f32' || kind === 'f64') {
    if (typeof v === 'number') {
      const r = kind === 'f32' ? Math.fround(v) : v;
      if (Number.isFinite(v) && !Number.isFinite(r)) throw new ValueError(`${name}: ${v} is out of range for f32 (largest 3.4028234663852886e38)`);
      return r;
    }
    if (typeof v === 'bigint') return parseFloatText(kind, v.toString(), name);
    throw new ValueError(`${name}: ${String(v)} is not a number`);
  }
  if (typeof v === 'bigint') return parseInteger(kind, v.toString(), name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ValueError(`${name}: ${v} is not a whole number (${kind})`);
    if (!Number.isSafeInteger(v) && isWide(kind)) throw new ValueError(`${name}: ${v} is beyond 2^53 and may have lost digits; pass a BigInt or a string`);
    return parseInteger(kind, BigInt(v).toString(), name);
  }
  throw new ValueError(`${name}: ${String(v)} is not a number`);
}

/**
 * Checks a JavaScript value for a field (library API and JSON import): numbers or BigInts
 * or numeric strings for numbers, booleans (or 0/1) for bool, strings for text, arrays for
 * arrays; `null` is the zero value.
 */
export function checkFieldValue(f: FieldLayout, v: unknown): Value {
  if (v === null || v === undefined) return zeroValue(f);
  if (isText(f)) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are named above; the rest print as String() spells them
    if (typeof v !== 'string') throw new ValueError(`${f.name}: expected text for ${typeLabel(f)}, got ${typeof v === 'object' ? 'an object' : String(v)}`);
    return checkText(f, v);
  }
  if (f.count === undefined) {
    if (typeof v === 'object') throw new ValueError(`${f.name}: expected one ${f.kind}, got ${Array.isArray(v) ? 'an array' : 'an object'}`);
    return scalarFromJs(f.kind, v, f.name);
  }
  if (typeof v === 'string') return parseFieldText(f, v);
  if (!Array.isArray(v)) throw new ValueError(`${f.name}: expected an array for ${typeLabel(f)}`);
  if (v.length > f.count) throw new ValueError(`${f.name}: ${v.length} values, more than ${typeLabel(f)} holds`);
  return v.map((x, i) => scalarFromJs(f.kind, x, `${f.name}[${i}]`));
}

/** The value of a field whose bytes are all zero. */
export function zeroValue(f: FieldLayout): Value {
  if (isText(f)) return '';
  const z = (): Scalar => (f.kind === 'bool' ? false : isWide(f.kind) ? 0n : 0);
  return f.count === undefined ? z() : Array.from({ length: f.count }, z);
}

type ScalarReader = (dv: DataView, at: number) => Scalar;
type ScalarWriter = (dv: DataView, at: number, v: Scalar) => void;

const READ: Record<Exclude<Kind, 'char'>, ScalarReader> = {
  i8: (dv, at) => dv.getInt8(at),
  u8: (dv, at) => dv.getUint8(at),
  bool: (dv, at) => dv.getUint8(at) !== 0,
  i16: (dv, at) => dv.getInt16(at, true),
  u16: (dv, at) => dv.getUint16(at, true),
  i32: (dv, at) => dv.getInt32(at, true),
  u32: (dv, at) => dv.getUint32(at, true),
  f32: (dv, at) => dv.getFloat32(at, true),
  f64: (dv, at) => dv.getFloat64(at, true),
  i64: (dv, at) => dv.getBigInt64(at, true),
  u64: (dv, at) => dv.getBigUint64(at, true),
};

const WRITE: Record<Exclude<Kind, 'char'>, ScalarWriter> = {
  i8: (dv, at, v) => dv.setInt8(at, v as number),
  u8: (dv, at, v) => dv.setUint8(at, v as number),
  bool: (dv, at, v) => dv.setUint8(at, v ? 1 : 0),
  i16: (dv, at, v) => dv.setInt16(at, v as number, true),
  u16: (dv, at, v) => dv.setUint16(at, v as number, true),
  i32: (dv, at, v) => dv.setInt32(at, v as number, true),
  u32: (dv, at, v) => dv.setUint32(at, v as number, true),
  f32: (dv, at, v) => dv.setFloat32(at, v as number, true),
  f64: (dv, at, v) => dv.setFloat64(at, v as number, true),
  i64: (dv, at, v) => dv.setBigInt64(at, v as bigint, true),
  u64: (dv, at, v) => dv.setBigUint64(at, v as bigint, true),
};

/**
 * Text in a char[N] field: the bytes up to the first NUL (or all N), decoded as UTF-8;
 * each byte that is not part of valid UTF-8 becomes U+DC80+byte (never U+FFFD), which the
 * writer turns back into that byte, so no byte is lost on the way out and back in.
 */
export function decodeText(bytes: Buffer, start: number, cap: number): string {
  const end = start + cap;
  let i = start;
  let ascii = true;
  while (i < end) {
    const b = bytes[i];
    if (b === 0) break;
    if (b > 0x7f) ascii = false;
    i++;
  }
  return ascii ? bytes.toString('latin1', start, i) : decodeBytes(bytes, start, i);
}

/** A function reading one field of the record starting at byte `base`. */
export type FieldReader = (dv: DataView, bytes: Buffer, base: number) => Value;
/** A function writing a checked value into one field of the record at `base`. */
export type FieldWriter = (dv: DataView, bytes: Buffer, base: number, v: Value) => void;

/** Builds the reader of a field. */
export function fieldReader(f: FieldLayout): FieldReader {
  const off = f.offset;
  if (isText(f)) {
    const cap = textCapacity(f);
    return (_dv, bytes, base) => decodeText(bytes, base + off, cap);
  }
  const read = READ[f.kind as Exclude<Kind, 'char'>];
  if (f.count === undefined) return (dv, _bytes, base) => read(dv, base + off);
  const n = f.count;
  const step = f.elemSize;
  return (dv, _bytes, base) => {
    const out: Scalar[] = new Array<Scalar>(n);
    for (let i = 0; i < n; i++) out[i] = read(dv, base + off + i * step);
    return out;
  };
}

/** Builds the writer of a field (zero-fills the field first, so short text and arrays are NUL/zero padded). */
export function fieldWriter(f: FieldLayout): FieldWriter {
  const off = f.offset;
  const size = f.size;
  if (isText(f)) {
    return (_dv, bytes, base, v) => {
      bytes.fill(0, base + off, base + off + size);
      if (hasRawBytes(v as string)) encodeBytes(v as string).copy(bytes, base + off, 0, size);
      else bytes.write(v as string, base + off, size, 'utf8');
    };
  }
  const write = WRITE[f.kind as Exclude<Kind, 'char'>];
  if (f.count === undefined) return (dv, _bytes, base, v) => write(dv, base + off, v as Scalar);
  const step = f.elemSize;
  return (dv, bytes, base, v) => {
    bytes.fill(0, base + off, base + off + size);
    const arr = v as Scalar[];
    for (let i = 0; i < arr.length; i++) write(dv, base + off + i * step, arr[i]);
  };
}

/**
 * The shortest decimal text that reads back as exactly this float: `String(v)` for f64,
 * and for f32 the fewest digits (1–9) that round back to the same single-precision value.
 */
export function formatFloat(kind: 'f32' | 'f64', v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (kind === 'f64') return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** A scalar as text (TSV, CSV, table). */
export function formatScalar(kind: Kind, v: Scalar): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (kind === 'f32' || kind === 'f64') return formatFloat(kind, v as number);
  return String(v);
}

/** A field's value as text (arrays comma-separated). */
export function formatValueText(f: FieldLayout, v: Value): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => formatScalar(f.kind, x)).join(',');
  return formatScalar(f.kind, v);
}

function jsonScalar(kind: Kind, v: Scalar): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (kind === 'f32' || kind === 'f64') {
    const n = v as number;
    // JSON has no NaN or infinities: those are written as strings, which import reads back.
    if (!Number.isFinite(n)) return Number.isNaN(n) ? '"NaN"' : n > 0 ? '"Infinity"' : '"-Infinity"';
    return formatFloat(kind, n);
  }
  return String(v);
}

/** A field's value as JSON text; 64-bit integers are written with every digit. */
export function formatValueJson(f: FieldLayout, v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => jsonScalar(f.kind, x)).join(',')}]`;
  return jsonScalar(f.kind, v);
}

const GETTER: Record<Exclude<Kind, 'char' | 'bool'>, string> = {
  i8: 'getInt8', u8: 'getUint8', i16: 'getInt16', u16: 'getUint16', i32: 'getInt32', u32: 'getUint32',
  f32: 'getFloat32', f64: 'getFloat64', i64: 'getBigInt64', u64: 'getBigUint64',
};

/**
 * Builds one function that reads a whole record into an object literal of a fixed shape
 * (generated once per layout from the field names, which are C identifiers), so reading a
 * record is a handful of DataView loads and no per-field dispatch.
 */
export function rowReader(fields: readonly FieldLayout[]): (dv: DataView, bytes: Buffer, base: number) => Row {
  const helpers: FieldReader[] = [];
  const parts = fields.map((f) => {
    const key = JSON.stringify(f.name);
    if (isText(f)) return `${key}: dt(b, o + ${f.offset}, ${textCapacity(f)})`;
    if (f.count !== undefined) {
      helpers.push(fieldReader(f));
      return `${key}: h[${helpers.length - 1}](dv, b, o)`;
    }
    if (f.kind === 'bool') return `${key}: dv.getUint8(o + ${f.offset}) !== 0`;
    const le = f.elemSize > 1 ? ', true' : '';
    return `${key}: dv.${GETTER[f.kind as keyof typeof GETTER]}(o + ${f.offset}${le})`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('dt', 'h', `return function readRow(dv, b, o) { return { ${parts.join(', ')} }; };`) as (
    dt: typeof decodeText,
    h: FieldReader[],
  ) => (dv: DataView, bytes: Buffer, base: number) => Row;
  return make(decodeText, helpers);
}
