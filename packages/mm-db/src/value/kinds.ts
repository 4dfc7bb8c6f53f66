/**
 * Values of fields: the JavaScript shapes a field's value takes, and what each kind allows
 * (integer ranges, text capacity, the type as messages write it). Integers are little-endian
 * two's complement in the file; 64-bit ones are BigInts here so no digit is lost through a
 * double; f32/f64 are IEEE 754; bool is one byte 0/1; char[N] is UTF-8 text padded with NUL
 * bytes (a value longer than N bytes is an error, never cut).
 */
import type { Kind } from '../schema/types.js';

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
