// Fixed-size binary records (C structs) formatted as lines of text in native code, from a
// plan compiled once per output: a pass over a million records is one native loop per
// output buffer, not one JavaScript call per record.
import { binding } from './native.js';
import { MmError } from './errors.js';
import { checkSize } from './map.js';

/**
 * Kinds of a record's fields: little-endian integers of 8 to 64 bits, IEEE 754 floats, a
 * one-byte bool (any non-zero byte is true) and `char` (text: UTF-8 bytes, padded with NUL).
 */
export type RecordFieldKind = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64' | 'bool' | 'char';

/** Line formats: `json` (JSON values), `csv` (RFC 4180 cells), `tsv` (backslash-escaped cells). */
export type RecordLineFormat = 'json' | 'csv' | 'tsv';

/** One field of a {@link RecordPlanSpec}, in the order it is written. */
export interface RecordFieldSpec {
  kind: RecordFieldKind;
  /** Byte offset of the field in the record. */
  offset: number;
  /**
   * For `char`: the bytes of text (`char name[32]` is 32; default 1). For the other kinds:
   * undefined for a single value, or the element count of an array (`u16 v[4]` is 4), which
   * is written as a list even with one element.
   */
  count?: number;
  /** Constant text written before the value (a separator, a JSON key). */
  before: string | Uint8Array;
}

/** What {@link compileRecordPlan} compiles: the line format, the fields, the constant text. */
export interface RecordPlanSpec {
  format: RecordLineFormat;
  fields: readonly RecordFieldSpec[];
  /** When given, each line starts with this text and then the record's index in decimal. */
  index?: string | Uint8Array;
  /** Constant text that ends each line (such as `}\n`). */
  end: string | Uint8Array;
}

/** A compiled {@link RecordPlanSpec}, for {@link formatRecords}. */
export interface RecordPlan {
  readonly format: RecordLineFormat;
  /** The most bytes one line can take: {@link formatRecords} writes a record only with this much room left. */
  readonly maxLineBytes: number;
  /** Bytes of a record the fields cover (the smallest record size the plan can run on). */
  readonly recordBytes: number;
  /** The compiled program (internal to this module and the native code). */
  readonly program: Uint8Array;
}

/** Where {@link formatRecords} stopped. */
export interface FormatRecordsResult {
  /** The first record not written: `end` when all were, less when the output was full. */
  next: number;
  /** The position in the output after the last byte written. */
  outPos: number;
}

const KIND_CODE: Readonly<Record<RecordFieldKind, number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, u64: 6, i64: 7, f32: 8, f64: 9, bool: 10, char: 11,
};
const FORMAT_CODE: Readonly<Record<RecordLineFormat, number>> = { json: 0, csv: 1, tsv: 2 };
const MAGIC = 0x50524d4d;
const VERSION = 1;
const FIELD_WORDS = 6;
const MAX_COUNT = 1 << 24;

function bad(message: string): MmError {
  return new MmError('ERR_INVALID_ARG_VALUE', message);
}

function isWhole(n: unknown, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
}

/**
 * Compiles a plan for {@link formatRecords}: each line is the index (when asked for), then
 * each field's `before` text and value, then `end`. Values are written as JavaScript would
 * write them — integers in decimal (64-bit ones with every digit), bool as `true`/`false`,
 * an f64 as `String(v)`, an f32 with the fewest digits (1 to 9) that read back as the same
 * f32, NaN and the infinities as `nan`/`inf`/`-inf` (JSON: the strings `"NaN"`,
 * `"Infinity"`, `"-Infinity"`). Text ends at its first NUL byte; bytes that are not valid
 * UTF-8 are carried one by one as raw bytes. Per format:
 * - `json`: arrays as `[1,2]`; text exactly as `JSON.stringify` writes it, a raw byte as `\udcXX`;
 * - `csv`: arrays as `"1,2"` (quoted when there are two or more elements); text quoted, with
 *   `"` doubled, when it holds `"`, `,`, CR or LF or starts or ends with a character that
 *   `String.prototype.trim` removes; raw bytes as they are;
 * - `tsv`: arrays as `1,2`; in text `\`, tab, LF and CR become `\\`, `\t`, `\n`, `\r`, a raw
 *   byte `\xHH`.
 * Throws ERR_INVALID_ARG_VALUE for an unknown kind or format, or an offset or count that is
 * not a whole number in range.
 */
export function compileRecordPlan(spec: RecordPlanSpec): RecordPlan {
  const format = FORMAT_CODE[spec.format];
  if (format === undefined) throw bad(`unknown line format: ${String(spec.format)}`);
  const pool: Buffer[] = [];
  let poolLength = 0;
  const constant = (text: string | Uint8Array): [number, number] => {
    const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    pool.push(b);
    poolLength += b.length;
    return [poolLength - b.length, b.length];
  };
  const n = spec.fields.length;
  const words: number[] = [MAGIC, VERSION, format, spec.index === undefined ? 0 : 1, n, ...constant(spec.index ?? '')];
  spec.fields.forEach((f, k) => {
    const kind = KIND_CODE[f.kind];
    if (kind === undefined) throw bad(`field ${k}: unknown kind: ${String(f.kind)}`);
    if (!isWhole(f.offset, 0xffffffff)) throw bad(`field ${k}: offset must be a whole number from 0 to 2^32-1`);
    if (f.count !== undefined && (!isWhole(f.count, MAX_COUNT) || f.count < 1)) throw bad(`field ${k}: count must be a whole number from 1 to 2^24`);
    const array = f.kind !== 'char' && f.count !== undefined;
    words.push(kind, f.offset, f.count ?? 1, array ? 1 : 0, ...constant(f.before));
  });
  words.push(...constant(spec.end));
  if (words.length !== 7 + FIELD_WORDS * n + 2) throw new Error('record plan: bad program length');
  const head = Buffer.alloc(4 * words.length);
  words.forEach((w, i) => head.writeUInt32LE(w, 4 * i));
  const program = Buffer.concat([head, ...pool]);
  const [maxLineBytes, recordBytes] = binding.recordPlanLimits(program);
  return { format: spec.format, maxLineBytes, recordBytes, program };
}

/**
 * Formats records `[first, end)` of `bytes` (an array of records of `recordSize` bytes each,
 * record `i` at byte `i * recordSize`, as a mapped file is) as lines by `plan`, into
 * `out[outPos, limit)`, in native code. It writes record after record while the plan's
 * longest line ({@link RecordPlan.maxLineBytes}) still fits before `limit`, and returns the
 * first record it did not write and the output position after the last byte written: the
 * caller flushes `out` and calls again from there. Bytes of `out` after that position (up to
 * `limit`) may have been used as scratch space. Reading `bytes` of a shared mapping whose
 * file shrank reads zeros (the mapping's `check()` reports it). Throws ERR_OUT_OF_RANGE when a
 * number is not a whole number from 0 to 2^53-1, the records lie outside `bytes`,
 * `recordSize` is smaller than the plan's fields, or `outPos <= limit <= out.length` does not
 * hold; ERR_INVALID_ARG_VALUE when `plan.program` is not a compiled plan.
 */
export function formatRecords(plan: RecordPlan, bytes: Uint8Array, first: number, end: number, recordSize: number, out: Uint8Array, outPos: number, limit: number = out.length): FormatRecordsResult {
  checkSize(first, 'first');
  checkSize(end, 'end');
  checkSize(recordSize, 'recordSize');
  checkSize(outPos, 'outPos');
  checkSize(limit, 'limit');
  if (first > end || end * recordSize > bytes.length) throw new MmError('ERR_OUT_OF_RANGE', `records [${first}, ${end}) of ${recordSize} bytes lie outside the ${bytes.length} bytes given`);
  if (outPos > limit || limit > out.length) throw new MmError('ERR_OUT_OF_RANGE', `outPos and limit must satisfy outPos <= limit <= out.length (got ${outPos}, ${limit}, ${out.length})`);
  const [next, pos] = binding.formatRecords(plan.program, bytes, first, end, recordSize, out, outPos, limit);
  return { next, outPos: pos };
}
