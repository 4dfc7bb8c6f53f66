/**
 * Records as bytes: reading a field's value out of a record and writing a checked value into
 * it, one field at a time or (generated once per layout) a whole record into an object.
 */
import { decodeBytes, encodeBytes, hasRawBytes } from '@mm/core';
import type { FieldLayout } from './layout.js';
import { ACCESSORS, readExpression, type ScalarKind } from './accessors.js';
import { isText, textCapacity, type Row, type Scalar, type Value } from './value/kinds.js';

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
  const read = ACCESSORS[f.kind as ScalarKind].read;
  if (f.count === undefined) return (dv, _bytes, base) => read(dv, base + off);
  const n = f.count;
  const step = f.elemSize;
  return (dv, _bytes, base) => {
    const out = new Array<Scalar>(n);
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
  const write = ACCESSORS[f.kind as ScalarKind].write;
  if (f.count === undefined) return (dv, _bytes, base, v) => write(dv, base + off, v as Scalar);
  const step = f.elemSize;
  return (dv, bytes, base, v) => {
    bytes.fill(0, base + off, base + off + size);
    const arr = v as Scalar[];
    for (let i = 0; i < arr.length; i++) write(dv, base + off + i * step, arr[i]);
  };
}

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
    const read = readExpression(f.kind as ScalarKind, 'dv', `o + ${f.offset}`);
    return `${key}: ${f.kind === 'bool' ? `${read} !== 0` : read}`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('dt', 'h', `return function readRow(dv, b, o) { return { ${parts.join(', ')} }; };`) as (
    dt: typeof decodeText,
    h: FieldReader[],
  ) => (dv: DataView, bytes: Buffer, base: number) => Row;
  return make(decodeText, helpers);
}
