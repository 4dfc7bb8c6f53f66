// Text for one line of a terminal or a pipe: names that may hold control characters or
// raw (non-UTF-8) bytes, carried as U+DC80+byte by @mm/core's decodeBytes.

/**
 * `s` for one line of a terminal or a pipe, as `ls -b` shows names: backslash, control
 * characters and raw bytes as C escapes (`\\`, `\n`, `\t`, `\x7f`, `\xff`).
 */
export function escapeText(s: string): string {
  return s.replace(/[\\\x00-\x1f\x7f]|(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return `\\x${(code >= 0xdc00 ? code - 0xdc00 : code).toString(16).padStart(2, '0')}`;
  });
}
