/**
 * The accessor table: the one place that knows, for each numeric or bool kind, how its
 * bytes are read and written (the DataView method, for the generated code too, and a
 * function for the rest), how text becomes a value of it and how a value of it becomes text.
 * The record reader (record.ts) and the line writer (output/writer.ts) both generate code
 * from it. Text (`char`) has no entry: it is bytes, handled by those modules directly.
 */
import type { Kind } from './schema/types.js';
import type { Scalar } from './value/kinds.js';
import { parseScalar } from './value/parse.js';
import { formatScalar, jsonScalar } from './value/format.js';

/** A kind that is one number or bool per element (every kind but `char`). */
export type ScalarKind = Exclude<Kind, 'char'>;

/** How one scalar kind is read, written, parsed and formatted. */
export interface Accessor {
  /** The DataView method that reads one element (`getUint32`); `getUint8` for bool. */
  readonly getter: string;
  /** The DataView method that writes one element (`setUint32`); `setUint8` for bool. */
  readonly setter: string;
  /** True when the method takes a little-endian flag (elements wider than a byte). */
  readonly littleEndian: boolean;
  /** Reads one element at byte `at`. */
  readonly read: (dv: DataView, at: number) => Scalar;
  /** Writes one checked element at byte `at`. */
  readonly write: (dv: DataView, at: number, v: Scalar) => void;
  /** Parses one element from text (`name` for messages). */
  readonly parse: (text: string, name: string) => Scalar;
  /** One element as text (TSV, CSV, table). */
  readonly text: (v: Scalar) => string;
  /** One element as JSON. */
  readonly json: (v: Scalar) => string;
}

function accessor(kind: ScalarKind, method: string, littleEndian: boolean, read: Accessor['read'], write: Accessor['write']): Accessor {
  return {
    getter: `get${method}`,
    setter: `set${method}`,
    littleEndian,
    read,
    write,
    parse: (text, name) => parseScalar(kind, text, name),
    text: (v) => formatScalar(kind, v),
    json: (v) => jsonScalar(kind, v),
  };
}

/** Every scalar kind's accessor. */
export const ACCESSORS: Readonly<Record<ScalarKind, Accessor>> = {
  i8: accessor('i8', 'Int8', false, (dv, at) => dv.getInt8(at), (dv, at, v) => dv.setInt8(at, v as number)),
  u8: accessor('u8', 'Uint8', false, (dv, at) => dv.getUint8(at), (dv, at, v) => dv.setUint8(at, v as number)),
  bool: accessor('bool', 'Uint8', false, (dv, at) => dv.getUint8(at) !== 0, (dv, at, v) => dv.setUint8(at, v ? 1 : 0)),
  i16: accessor('i16', 'Int16', true, (dv, at) => dv.getInt16(at, true), (dv, at, v) => dv.setInt16(at, v as number, true)),
  u16: accessor('u16', 'Uint16', true, (dv, at) => dv.getUint16(at, true), (dv, at, v) => dv.setUint16(at, v as number, true)),
  i32: accessor('i32', 'Int32', true, (dv, at) => dv.getInt32(at, true), (dv, at, v) => dv.setInt32(at, v as number, true)),
  u32: accessor('u32', 'Uint32', true, (dv, at) => dv.getUint32(at, true), (dv, at, v) => dv.setUint32(at, v as number, true)),
  f32: accessor('f32', 'Float32', true, (dv, at) => dv.getFloat32(at, true), (dv, at, v) => dv.setFloat32(at, v as number, true)),
  f64: accessor('f64', 'Float64', true, (dv, at) => dv.getFloat64(at, true), (dv, at, v) => dv.setFloat64(at, v as number, true)),
  i64: accessor('i64', 'BigInt64', true, (dv, at) => dv.getBigInt64(at, true), (dv, at, v) => dv.setBigInt64(at, v as bigint, true)),
  u64: accessor('u64', 'BigUint64', true, (dv, at) => dv.getBigUint64(at, true), (dv, at, v) => dv.setBigUint64(at, v as bigint, true)),
};

/** The accessor of a field's kind; undefined for text. */
export function accessorOf(kind: Kind): Accessor | undefined {
  return kind === 'char' ? undefined : ACCESSORS[kind];
}

/** Whole numbers of at most 32 bits, which the line writer prints digit by digit. */
export function isSmallInt(kind: Kind): boolean {
  return kind === 'i8' || kind === 'u8' || kind === 'i16' || kind === 'u16' || kind === 'i32' || kind === 'u32';
}

/** `dv.getUint32(base + 4, true)`: the source text reading one element at `offset` (an expression) of kind `kind`. */
export function readExpression(kind: ScalarKind, dv: string, offset: string): string {
  const a = ACCESSORS[kind];
  return `${dv}.${a.getter}(${offset}${a.littleEndian ? ', true' : ''})`;
}
