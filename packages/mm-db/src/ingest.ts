/**
 * Import: NDJSON (one object per line) or CSV (a header line naming fields) turned into
 * encoded records, every line checked before anything touches the database. The NDJSON
 * reader works on the input bytes: text without escapes is copied straight into the
 * record, integers are read digit by digit, and numbers keep their exact literal text for
 * 64-bit fields (JSON.parse would round them through a double).
 */
import type { FieldLayout, Layout } from './layout.js';
import { decodeBytes } from '@mm/core';
import { checkText, fieldWriter, intRange, isText, isWide, parseBool, parseFieldText, parseScalar, textCapacity, ValueError, zeroValue, type Scalar, type Value } from './codec.js';
import { INDEX_KEY } from './format.js';

/** Input formats of {@link encodeRecords}; `auto` picks JSON when the first non-blank byte is `{`. */
export type InputFormat = 'json' | 'csv' | 'auto';

/** Records encoded from input: `block` holds `count` records back to back. */
export interface Encoded {
  block: Buffer;
  count: number;
}

const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0d] = 1;

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
export type CsvColumns = Array<FieldLayout | undefined>;

class LineError extends Error {}

function encodeNdjson(layout: Layout, input: Buffer, label: string, firstLine = 1): Encoded {
  const len = input.length;
  let lines = 1;
  for (let p = input.indexOf(10); p >= 0; p = input.indexOf(10, p + 1)) lines++;
  const rs = layout.size;
  const block = Buffer.alloc(lines * rs);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const writers = layout.fields.map(fieldWriter);
  const byName = layout.byName;
  const fail = (msg: string): never => {
    throw new LineError(msg);
  };
  const names = layout.fields.map((f) => Buffer.from(f.name, 'latin1'));
  const nameLen = Int32Array.from(names, (b) => b.length);
  const indexKey = Buffer.from(INDEX_KEY);
  /** The field whose name is input[s, e), compared byte by byte (no string made); -1 for the index key, -2 if none. */
  const lookup = (s: number, e: number): number => {
    const len = e - s;
    for (let k = 0; k < names.length; k++) {
      if (nameLen[k] !== len) continue;
      const nm = names[k];
      let j = 0;
      while (j < len && nm[j] === input[s + j]) j++;
      if (j === len) return k;
    }
    return len === indexKey.length && input[s] === indexKey[0] ? -1 : -2;
  };
  let seen = 0;
  const intMin = layout.fields.map((f) => (intRange(f.kind) && !isWide(f.kind) ? Number(intRange(f.kind)!.min) : 0));
  const intMax = layout.fields.map((f) => (intRange(f.kind) && !isWide(f.kind) ? Number(intRange(f.kind)!.max) : -1));

  let n = 0;
  let lineNo = firstLine - 1;
  let pos = 0;
  // Token state shared by the helpers below.
  let p = 0;
  let eol = 0;

  const ws = () => {
    while (p < eol && WS[input[p]]) p++;
  };
  // The string scanString found: contents input[strS, strE), with escapes when strEsc.
  let strS = 0;
  let strE = 0;
  let strEsc = false;
  /** Scans a string starting at the quote at p, sets strS/strE/strEsc and moves p past it. */
  const scanString = (): void => {
    const s = ++p;
    let escaped = false;
    while (p < eol) {
      const c = input[p];
      if (c === 34) {
        strS = s;
        strE = p++;
        strEsc = escaped;
        return;
      }
      if (c === 92) {
        escaped = true;
        p += 2;
        continue;
      }
      if (c < 0x20) fail(`invalid JSON: control character in a string (column ${p - pos + 1})`);
      p++;
    }
    fail('invalid JSON: string not closed');
  };
  const stringValue = (s: number, e: number, escaped: boolean): string => {
    if (!escaped) return decodeBytes(input, s, e);
    try {
      return JSON.parse(decodeBytes(input, s - 1, e + 1)) as string;
    } catch {
      return fail(`invalid JSON: bad escape in string (column ${s - pos})`);
    }
  };
  /** Scans a bare token (number or literal) and returns its text. */
  const scanBare = (): string => {
    const s = p;
    while (p < eol) {
      const c = input[p];
      if (c === 44 || c === 125 || c === 93 || WS[c]) break;
      p++;
    }
    if (p === s) fail(`invalid JSON: expected a value (column ${s - pos + 1})`);
    return input.toString('latin1', s, p);
  };
  const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  /** One scalar JSON value (string, number, true/false) as text for a numeric or bool field. */
  const scalarText = (f: FieldLayout): string => {
    const c = input[p];
    if (c === 34) {
      scanString();
      return stringValue(strS, strE, strEsc);
    }
    const t = scanBare();
    if (t === 'true' || t === 'false') {
      if (f.kind !== 'bool') fail(`${f.name}: ${t} is not a number`);
      return t;
    }
    if (t === 'null') return '0';
    if (!NUMBER.test(t)) fail(`invalid JSON: unexpected '${t}' (column ${p - t.length - pos + 1})`);
    return t;
  };
  const scalarOf = (f: FieldLayout, text: string, name: string): Scalar => (f.kind === 'bool' ? parseBool(text, name) : parseScalar(f.kind, text, name));

  const value = (f: FieldLayout | undefined, base: number) => {
    const c = input[p];
    if (!f) {
      // The index column of `export --index`: checked as JSON, then ignored.
      if (c === 34) scanString();
      else if (c === 91) {
        while (p < eol && input[p] !== 93) p++;
        p++;
      } else scanBare();
      return;
    }
    const k = f.index;
    if (c === 110 && input[p + 1] === 117) {
      if (scanBare() !== 'null') fail('invalid JSON');
      writers[k](dv, block, base, zeroValue(f));
      return;
    }
    if (isText(f)) {
      if (c !== 34) fail(`${f.name}: expected text (a JSON string) for char[${textCapacity(f)}]`);
      scanString();
      const s = strS;
      const e = strE;
      const esc = strEsc;
      const cap = textCapacity(f);
      if (!esc) {
        if (e - s > cap) checkText(f, input.toString('utf8', s, e));
        let d = base + f.offset;
        // A field given twice in one object: the last value wins, so clear the first.
        if (seen & (1 << (k & 31))) block.fill(0, d, d + f.size);
        for (let q = s; q < e; q++) block[d++] = input[q];
      } else {
        writers[k](dv, block, base, checkText(f, stringValue(s, e, esc)));
      }
      return;
    }
    if (f.count !== undefined) {
      let v: Value;
      if (c === 91) {
        p++;
        const items: Scalar[] = [];
        ws();
        if (input[p] === 93) p++;
        else {
          for (;;) {
            ws();
            if (items.length >= f.count) fail(`${f.name}: more than ${f.count} values for ${f.kind}[${f.count}]`);
            items.push(scalarOf(f, scalarText(f), `${f.name}[${items.length}]`));
            ws();
            if (input[p] === 44) {
              p++;
              continue;
            }
            if (input[p] === 93) {
              p++;
              break;
            }
            fail(`invalid JSON: expected ',' or ']' (column ${p - pos + 1})`);
          }
        }
        v = items;
      } else if (c === 34) {
        scanString();
        v = parseFieldText(f, stringValue(strS, strE, strEsc));
      } else {
        return fail(`${f.name}: expected an array for ${f.kind}[${f.count}]`);
      }
      writers[k](dv, block, base, v);
      return;
    }
    if (c === 91 || c === 123) fail(`${f.name}: expected one ${f.kind}, got ${c === 91 ? 'an array' : 'an object'}`);
    // Fast path: a plain integer of up to 15 digits for a field of at most 32 bits.
    if (intMax[k] >= 0 && (c === 45 || (c >= 48 && c <= 57))) {
      const s = p;
      let neg = false;
      if (c === 45) {
        neg = true;
        p++;
      }
      let v = 0;
      let digits = 0;
      while (p < eol) {
        const d = input[p] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        digits++;
        p++;
      }
      const next = p < eol ? input[p] : 44;
      if (digits > 0 && digits <= 15 && (next === 44 || next === 125 || WS[next]) && !(digits > 1 && input[neg ? s + 1 : s] === 48)) {
        if (neg) v = -v;
        if (v < intMin[k] || v > intMax[k]) fail(`${f.name}: ${v} is out of range for ${f.kind} (${intMin[k]}..${intMax[k]})`);
        writers[k](dv, block, base, v);
        return;
      }
      p = s;
    }
    writers[k](dv, block, base, scalarOf(f, scalarText(f), f.name));
  };

  while (pos < len) {
    lineNo++;
    eol = input.indexOf(10, pos);
    if (eol < 0) eol = len;
    p = pos;
    ws();
    if (p === eol) {
      pos = eol + 1;
      continue;
    }
    const base = n * rs;
    seen = 0;
    try {
      if (input[p] !== 123) fail(`invalid JSON: expected '{' (one object per line)`);
      p++;
      ws();
      if (input[p] === 125) p++;
      else {
        for (;;) {
          ws();
          if (input[p] !== 34) fail(`invalid JSON: expected a field name in quotes (column ${p - pos + 1})`);
          scanString();
          const ks = strS;
          const ke = strE;
          const kesc = strEsc;
          let f: FieldLayout | undefined;
          if (kesc) {
            const key = stringValue(ks, ke, kesc);
            f = byName.get(key);
            if (!f && key !== INDEX_KEY) fail(`unknown field '${key}' (fields: ${layout.fields.map((x) => x.name).join(', ')})`);
          } else {
            const k = lookup(ks, ke);
            if (k === -2) fail(`unknown field '${input.toString('utf8', ks, ke)}' (fields: ${layout.fields.map((x) => x.name).join(', ')})`);
            f = k >= 0 ? layout.fields[k] : undefined;
          }
          ws();
          if (input[p] !== 58) fail(`invalid JSON: expected ':' after "${input.toString('utf8', ks, ke)}" (column ${p - pos + 1})`);
          p++;
          ws();
          value(f, base);
          if (f) seen |= 1 << (f.index & 31);
          ws();
          if (input[p] === 44) {
            p++;
            continue;
          }
          if (input[p] === 125) {
            p++;
            break;
          }
          fail(`invalid JSON: expected ',' or '}' (column ${p - pos + 1})`);
        }
      }
      ws();
      if (p !== eol) fail(`unexpected text after the object (column ${p - pos + 1}); one JSON object per line`);
    } catch (e) {
      if (e instanceof LineError || e instanceof ValueError) throw new ValueError(`${label}: line ${lineNo}: ${e.message}`);
      throw e;
    }
    n++;
    pos = eol + 1;
  }
  return { block: block.subarray(0, n * rs), count: n };
}

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

function encodeCsv(layout: Layout, text: string, label: string, firstLine = 1, given?: CsvColumns): { encoded: Encoded; columns?: CsvColumns } {
  const rows = parseCsv(firstLine === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, label, firstLine);
  if (!rows.length) return { encoded: { block: Buffer.alloc(0), count: 0 }, columns: given };
  const head = given ? undefined : rows[0];
  const body = given ? rows : rows.slice(1);
  const columns: CsvColumns = given ?? head!.cells.map((name) => {
    const key = name.trim();
    if (key === INDEX_KEY) return undefined;
    const f = layout.byName.get(key);
    if (!f) throw new ValueError(`${label}: line ${head!.line}: unknown field '${key}' in the header (fields: ${layout.fields.map((x) => x.name).join(', ')})`);
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
