/**
 * The CSV reader of import (RFC 4180): a header line naming fields, then one record per row.
 */
import type { FieldLayout, Layout } from '../layout.js';
import { isText, ValueError } from '../value/kinds.js';
import { parseFieldText } from '../value/parse.js';
import { fieldWriter } from '../record.js';
import { unknownField } from '../fields.js';
import { INDEX_KEY } from '../output/writer.js';
import type { Encoded } from './input.js';

/** The fields of a CSV header, in column order (undefined for an ignored `#` column). */
export type CsvColumns = Array<FieldLayout | undefined>;

/** Splits CSV text into rows of cells (RFC 4180: quotes, doubled quotes, CRLF), with each row's line number. */
export function parseCsv(text: string, label = 'stdin', firstLine = 1): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let line = firstLine;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new ValueError(`${label}: line ${startLine}: quoted CSV field not closed`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new ValueError(`${label}: line ${line}: text after a closing quote`);
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        cell = text.slice(i, j);
        if (cell.includes('"')) throw new ValueError(`${label}: line ${line}: a quote inside an unquoted CSV field`);
        i = j;
      }
      cells.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: startLine, cells });
  }
  return rows;
}

/** Encodes CSV text (the header row first unless `given` columns come from an earlier piece). */
export function encodeCsv(layout: Layout, text: string, label: string, firstLine = 1, given?: CsvColumns): { encoded: Encoded; columns?: CsvColumns } {
  const rows = parseCsv(firstLine === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, label, firstLine);
  if (!rows.length) return { encoded: { block: Buffer.alloc(0), count: 0 }, columns: given };
  const head = given ? undefined : rows[0];
  const body = given ? rows : rows.slice(1);
  const columns: CsvColumns = given ?? head!.cells.map((name) => {
    const key = name.trim();
    if (key === INDEX_KEY) return undefined;
    const f = layout.byName.get(key);
    if (!f) throw new ValueError(`${label}: line ${head!.line}: ${unknownField(layout, key, ' in the header')}`);
    return f;
  });
  const rs = layout.size;
  const block = Buffer.alloc(body.length * rs);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const writers = layout.fields.map(fieldWriter);
  body.forEach((row, r) => {
    try {
      if (row.cells.length !== columns.length) throw new ValueError(`${row.cells.length} cells, the header has ${columns.length}`);
      row.cells.forEach((cell, c) => {
        const f = columns[c];
        if (!f || (cell === '' && !isText(f))) return;
        writers[f.index](dv, block, r * rs, parseFieldText(f, cell));
      });
    } catch (e) {
      if (e instanceof ValueError) throw new ValueError(`${label}: line ${row.line}: ${e.message}`);
      throw e;
    }
  });
  return { encoded: { block, count: body.length }, columns };
}
