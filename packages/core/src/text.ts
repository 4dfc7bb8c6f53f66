/**
 * Bytes that may not be UTF-8 — file contents, shm names — carried through JavaScript
 * strings without loss: valid UTF-8 decodes as usual and each byte of an invalid sequence
 * becomes the lone surrogate U+DC80+byte (the "surrogateescape" convention), which
 * {@link encodeBytes} turns back into that byte. JSON.stringify writes it as `\udcff`.
 */

/** Decodes `bytes[start, end)`; invalid UTF-8 bytes become U+DC80..U+DCFF. */
export function decodeBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let i = start;
  let run = start;
  const flush = (to: number): void => {
    if (to > run) out += Buffer.from(bytes.buffer, bytes.byteOffset + run, to - run).toString('utf8');
  };
  while (i < end) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    flush(i);
    out += String.fromCharCode(0xdc00 + c);
    i++;
    run = i;
  }
  flush(end);
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i` (2..4), or 0 if it is not one. */
function sequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  const cont = (k: number): boolean => i + k < end && (b[i + k] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1];
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // UTF-16 surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1];
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

/** True if `s` carries raw bytes (lone surrogates U+DC80..U+DCFF from {@link decodeBytes}). */
export function hasRawBytes(s: string): boolean {
  return /[\udc80-\udcff]/.test(s) && /(?<![\ud800-\udbff])[\udc80-\udcff]/.test(s);
}

/** Encodes `s` as UTF-8, turning each lone U+DC80..U+DCFF back into its byte. */
export function encodeBytes(s: string): Buffer {
  if (!hasRawBytes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc80 && u <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) {
      parts.push(Buffer.from(s.slice(run, i), 'utf8'), Buffer.of(u - 0xdc00));
      run = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(run), 'utf8'));
  return Buffer.concat(parts);
}
