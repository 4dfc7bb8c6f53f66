/**
 * Escapes of text in the output formats (the slow path, for text that is not plain ASCII):
 * TSV backslash escapes, CSV quoting, and raw (non-UTF-8) bytes shown as `\xHH`.
 */

/** A raw (non-UTF-8) byte carried as U+DC80+byte, shown as `\xHH`. */
export function rawByte(c: string): string {
  return `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`;
}

/** Text for a TSV cell: backslash, tab, newline and carriage return escaped, raw bytes as `\xHH`. */
export function escapeTsv(s: string): string {
  return s.replace(/[\\\t\n\r]|(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : rawByte(c)));
}

/** Text for a CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, or starts or ends with a blank. */
export function quoteCsv(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
