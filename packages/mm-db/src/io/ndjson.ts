/**
 * The NDJSON reader of import: one object per line, read on the input bytes. Text without
 * escapes is copied straight into the record, integers are read digit by digit, and numbers
 * keep their exact literal text for 64-bit fields (JSON.parse would round them through a double).
 */
import { decodeBytes } from '@mm/core';
import type { FieldLayout, Layout } from '../layout.js';
import { intRange, isText, isWide, textCapacity, ValueError, type Scalar, type Value } from '../value/kinds.js';
import { checkText, parseBool, parseFieldText, parseScalar, zeroValue } from '../value/parse.js';
import { fieldWriter } from '../record.js';
import { unknownField } from '../fields.js';
import { INDEX_KEY } from '../output/writer.js';
import type { Encoded } from './input.js';

/** Blanks between JSON tokens (and around CSV input): space, tab, carriage return. */
export const WS = new Uint8Array(256);
WS[0x20] = WS[0x09] = WS[0x0d] = 1;

class LineError extends Error {}

/** Encodes NDJSON lines into records of `layout`; a bad line throws a ValueError naming `label` and the line. */
export function encodeNdjson(layout: Layout, input: Buffer, label: string, firstLine = 1): Encoded {
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
            if (!f && key !== INDEX_KEY) fail(unknownField(layout, key));
          } else {
            const k = lookup(ks, ke);
            if (k === -2) fail(unknownField(layout, input.toString('utf8', ks, ke)));
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
