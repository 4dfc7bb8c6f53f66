/**
 * Field values as text: the shortest float that reads back the same, scalars and arrays for
 * TSV/CSV/tables, and JSON (64-bit integers with every digit; NaN and infinities as strings).
 */
import type { Kind } from '../schema/types.js';
import type { FieldLayout, Layout } from '../layout.js';
import type { Row, Scalar, Value } from './kinds.js';

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

/** One scalar as JSON: NaN and the infinities as strings, which import reads back. */
export function jsonScalar(kind: Kind, v: Scalar): string {
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

/** One record object as a JSON line (without the newline); 64-bit integers keep every digit. */
export function formatRowJson(layout: Layout, row: Row): string {
  const parts: string[] = [];
  for (const f of layout.fields) if (f.name in row) parts.push(`${JSON.stringify(f.name)}:${formatValueJson(f, row[f.name])}`);
  return `{${parts.join(',')}}`;
}
