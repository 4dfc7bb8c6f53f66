/**
 * Import: NDJSON (io/ndjson.ts) or CSV (io/csv.ts) turned into encoded records, every line
 * checked before anything touches the database; the format is given or guessed from the
 * first byte.
 */
import type { Layout } from '../layout.js';
import { decodeBytes } from '@mm/core';
import { encodeNdjson, WS } from './ndjson.js';
import { encodeCsv, type CsvColumns } from './csv.js';

export type { CsvColumns } from './csv.js';

/** Input formats of {@link encodeRecords}; `auto` picks JSON when the first non-blank byte is `{`. */
export type InputFormat = 'json' | 'csv' | 'auto';

/** Records encoded from input: `block` holds `count` records back to back. */
export interface Encoded {
  block: Buffer;
  count: number;
}


/**
 * Encodes NDJSON or CSV input into records of `layout`. Unset fields are zero. Any bad line
 * throws a {@link ValueError} naming `label` and the line; nothing is returned then.
 */
export function encodeRecords(layout: Layout, input: Buffer, options: { format?: InputFormat; label?: string } = {}): Encoded {
  const label = options.label ?? 'stdin';
  const format = options.format === 'json' || options.format === 'csv' ? options.format : guessFormat(input);
  return format === 'json' ? encodeNdjson(layout, input, label) : encodeCsv(layout, decodeBytes(input), label).encoded;
}

/** `json` when the first non-blank byte of `input` is `{` (or there is none), else `csv`. */
export function guessFormat(input: Buffer): 'json' | 'csv' {
  let p = 0;
  while (p < input.length && (WS[input[p]] || input[p] === 10)) p++;
  return p === input.length || input[p] === 0x7b ? 'json' : 'csv';
}

/**
 * Encodes one piece of a longer input: `input` holds whole lines (whole CSV rows), the first
 * of them line `firstLine` of the input, so messages name the right line. For CSV, pass the
 * `columns` the header piece returned (undefined for the piece that starts with the header).
 */
export function encodePiece(layout: Layout, input: Buffer, options: { format: 'json' | 'csv'; label: string; firstLine: number; columns?: CsvColumns }): Encoded & { columns?: CsvColumns } {
  if (options.format === 'json') return encodeNdjson(layout, input, options.label, options.firstLine);
  const text = decodeBytes(input);
  const r = encodeCsv(layout, text, options.label, options.firstLine, options.columns);
  return { ...r.encoded, columns: r.columns };
}

/** The fields of a CSV header, in column order (undefined for an ignored `#` column). */
