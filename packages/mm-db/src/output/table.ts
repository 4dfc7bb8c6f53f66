/**
 * The aligned table for a terminal (`list --table`): an index column, then the fields.
 */
import { alignColumns } from '@mm/cli';
import type { FieldLayout } from '../layout.js';
import type { Database } from '../db.js';
import { isText } from '../value/kinds.js';
import { formatValueText } from '../value/format.js';
import { rawByte } from './escape.js';
import { INDEX_KEY } from './writer.js';

function tableCell(s: string): string {
  return s.replace(/[\x00-\x1f\x7f\\]|(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => (c.charCodeAt(0) >= 0xdc80 ? rawByte(c) : ctrl(c)));
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
  const rightAligned = right.flatMap((r, c) => (r ? [c] : []));
  const [first = '', ...rest] = alignColumns([head, ...rows], { rightAligned }).map((l) => l.trimEnd());
  return [bold(first), ...rest].join('\n') + '\n';
}
