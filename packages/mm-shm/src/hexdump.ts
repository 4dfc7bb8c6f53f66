/**
 * A small xxd-style hex dump: `00000000: 4865 6c6c 6f00 …  Hello...`, sixteen bytes a
 * line in groups of two, printable ASCII on the right and `.` for the rest. With `squeeze`,
 * runs of all-zero lines collapse to `*` the way `xxd -a` does it.
 */

/** Options of {@link hexDumpLines}. */
export interface HexDumpOptions {
  /** Address printed for the first byte (e.g. the offset the bytes were read from). Default 0. */
  address?: number;
  /** Replace runs of all-zero lines by a single `*` (as `xxd -a`). Default false. */
  squeeze?: boolean;
  /**
   * The previous contents at the same address; bytes that differ from it are passed
   * through `mark` (used by `watch` to highlight what changed).
   */
  previous?: Uint8Array;
  /** Decorates one changed byte's text (its two hex digits, or its character). */
  mark?: (text: string) => string;
}

const BYTES_PER_LINE = 16;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CHAR = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));

function isZeroLine(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== BYTES_PER_LINE) return false;
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

function formatLine(bytes: Uint8Array, start: number, end: number, options: HexDumpOptions): string {
  const { previous, mark } = options;
  const changed = (i: number): boolean => previous !== undefined && mark !== undefined && (i >= previous.length || previous[i] !== bytes[i]);
  let hex = '';
  let text = '';
  for (let i = start; i < start + BYTES_PER_LINE; i++) {
    if (i < end) {
      const b = bytes[i];
      hex += changed(i) ? mark!(HEX[b]) : HEX[b];
      text += changed(i) ? mark!(CHAR[b]) : CHAR[b];
    } else {
      hex += '  ';
    }
    if ((i - start) % 2 === 1) hex += ' ';
  }
  const address = ((options.address ?? 0) + start).toString(16).padStart(8, '0');
  return `${address}: ${hex} ${text}`;
}

/**
 * Formats `bytes` as xxd does (without options, the output equals `xxd`'s byte for byte,
 * one string per line, no newlines). An empty input gives no lines.
 */
export function hexDumpLines(bytes: Uint8Array, options: HexDumpOptions = {}): string[] {
  const lines: string[] = [];
  const total = bytes.length;
  let start = 0;
  while (start < total) {
    const end = Math.min(start + BYTES_PER_LINE, total);
    lines.push(formatLine(bytes, start, end, options));
    if (options.squeeze && isZeroLine(bytes, start, end)) {
      // A run of zero lines after this one: keep the last line of the dump visible; hide
      // the rest behind '*' when that hides two or more lines (one is simply printed).
      let next = end;
      while (next < total && isZeroLine(bytes, next, Math.min(next + BYTES_PER_LINE, total))) next += BYTES_PER_LINE;
      const lastStart = Math.floor((total - 1) / BYTES_PER_LINE) * BYTES_PER_LINE;
      const runEnd = next >= total ? lastStart : next;
      const hidden = (runEnd - end) / BYTES_PER_LINE;
      if (hidden >= 2) {
        lines.push('*');
        start = runEnd;
        continue;
      }
    }
    start = end;
  }
  return lines;
}

/** {@link hexDumpLines} joined into one string, each line ending in `\n` (xxd's output). */
export function hexDump(bytes: Uint8Array, options: HexDumpOptions = {}): string {
  const lines = hexDumpLines(bytes, options);
  return lines.length ? lines.join('\n') + '\n' : '';
}
