// Aligned text tables for a terminal: columns padded to their widest cell, two spaces apart.

/** Options of {@link alignColumns} and {@link formatTable}. */
export interface TableOptions {
  /** Columns (0-based) whose cells are right-aligned, as numbers are. The rest are left-aligned. */
  rightAligned?: Iterable<number>;
}

/**
 * The rows as aligned lines (no newline): each cell padded to its column's widest cell, cells
 * two spaces apart. A left-aligned last column is not padded, so no line ends in blanks.
 */
export function alignColumns(rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const right = new Set(options.rightAligned ?? []);
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => r[c]?.length ?? 0)));
  return rows.map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
}

/** {@link alignColumns} as text: one line per row, each ending in a newline ('' for no rows). */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  return alignColumns(rows, options).map((line) => line + '\n').join('');
}
