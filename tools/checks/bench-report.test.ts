// The bench report: every recorded row becomes one line of the table, goals decide "met",
// and performance.md is built from saved runs (a later run replaces a suite's rows).
import { describe, it, expect } from 'vitest';
import { merge, normalize, performanceDoc, table } from '../bench/report.mjs';

const meta = (date: string) => ({ date, node: 'v20.0.0', cpu: 'Test CPU', cores: 2, memGiB: 4, kernel: 'Linux 6.0 x64', load: '1.0 1.0 1.0' });

describe('bench report', () => {
  it('a pair with a ratio goal, a value with a value goal, an old-style row and an odd row', () => {
    const rows = [
      { suite: 'mm-x', title: 'copy 1 GiB', a: { label: 'mm-x', cmd: 'mm-x big', median: 300 }, b: { label: 'cat', cmd: 'cat big', median: 250 }, ratio: 1.2, goal: 1.5, unit: 'ms' },
      { suite: 'mm-x', title: 'copy 2 GiB', a: { label: 'mm-x', median: 900 }, b: { label: 'cat', median: 450 }, ratio: 2, goal: 1.5, unit: 'ms' },
      { suite: 'mm-x', title: 'peak RSS', a: { label: 'mm-x', median: 50 * 1024 }, unit: 'KiB', goal: 100 * 1024, goalOf: 'value' },
      { suite: 'mm-y', title: 'pulls/s', a: { label: 'y', median: 2e6 }, b: { label: 'C', median: 1e6 }, ratio: 2 },
      { suite: 'mm-z', title: 'odd', things: 3 },
    ];
    expect(normalize(rows[0])).toMatchObject({ ours: '300 ms', peer: '250 ms', ratio: '1.20', goal: '≤ 1.5', met: 'yes' });
    expect(normalize(rows[1]).met).toBe('no');
    expect(normalize(rows[2])).toMatchObject({ ours: '50.0 MiB', peer: '—', goal: '≤ 100.0 MiB', met: 'yes' });
    expect(normalize(rows[3])).toMatchObject({ ratio: '2.00', goal: '—', met: '—' });
    const lines = table(rows).split('\n');
    expect(lines[0]).toBe('| suite | measurement | ours | peer | ratio | goal | met |');
    expect(lines).toHaveLength(2 + rows.length);
    expect(lines[6]).toContain('| mm-z | odd (things 3) |');
  });

  it('performance.md: the machine and date of each run, the table, the commands; a later run replaces a suite', () => {
    const first = { meta: meta('2026-01-01T00:00:00.000Z'), rows: [{ suite: 'a', title: 'old a', a: { label: 'a', cmd: 'a-cmd', median: 1 }, b: { label: 'p', cmd: 'p-cmd', median: 2 }, ratio: 0.5 }, { suite: 'b', title: 'kept b', a: { label: 'b', median: 1 } }] };
    const second = { meta: meta('2026-01-02T00:00:00.000Z'), rows: [{ suite: 'a', title: 'new a', a: { label: 'a', cmd: 'a-cmd2', median: 1 }, b: { label: 'p', cmd: 'p-cmd2', median: 4 }, ratio: 0.25, goal: 0.33 }] };
    const doc = performanceDoc(merge([first, second]));
    expect(doc).toContain('2026-01-01 00:00:00 UTC, Test CPU, 2 cores');
    expect(doc).toContain('2026-01-02 00:00:00 UTC, Test CPU, 2 cores');
    expect(doc).not.toContain('| old a (');
    expect(doc).toContain('| a | new a (a vs p) | 1.0 ms | 4.0 ms | 0.25 | ≤ 0.33 | yes |');
    expect(doc).toContain('kept b');
    expect(doc).toContain('`a-cmd2` vs `p-cmd2`');
  });
});
