/**
 * Text and JavaScript values turned into checked field values: `age=42`, a CSV cell, a JSON
 * number literal, a library caller's object.
 */
import { encodeBytes, hasRawBytes } from '@mm/core';
import type { Kind } from '../schema/types.js';
import type { FieldLayout } from '../layout.js';
import { intRange, isText, isWide, textCapacity, typeLabel, ValueError, type Scalar, type Value } from './kinds.js';

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
  const range = intRange(kind)!;
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
    if (typeof v !== 'string') throw new ValueError(`${f.name}: expected text for ${typeLabel(f)}, got ${typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : 'an object'}`);
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
