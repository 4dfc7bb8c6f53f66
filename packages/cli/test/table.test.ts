import { describe, it, expect } from 'vitest';
import { alignColumns, escapeText, formatTable } from '../src/index.js';

describe('aligned tables', () => {
  it('pads each column to its widest cell, right-aligns the chosen ones, never pads a left-aligned last column', () => {
    const rows = [['NAME', 'SIZE', 'WHEN'], ['a', '4096', 'now'], ['longer', '7', 'later']];
    expect(formatTable(rows, { rightAligned: [1] })).toBe('NAME    SIZE  WHEN\na       4096  now\nlonger     7  later\n');
    expect(alignColumns(rows)).toEqual(['NAME    SIZE  WHEN', 'a       4096  now', 'longer  7     later']);
    expect(alignColumns([['1', 'x'], ['100', 'y']], { rightAligned: [0, 1] })).toEqual(['  1  x', '100  y']);
    expect(formatTable([])).toBe('');
  });

  it('escapeText keeps one name on one line, as ls -b shows it', () => {
    expect(escapeText('a\nb\\c\t\x7f\udcff')).toBe('a\\nb\\\\c\\t\\x7f\\xff');
  });
});
