import type { SmapsEntry } from '@mm/core';
import { SUMMARY_GROUPS, summaryGroup, type SummaryGroup } from './kind.js';
import type { MapRow, ProcessView } from './view.js';

/** The smaps fields `-x` shows, in order: the kernel's name and the JSON key. */
export const SMAPS_COLUMNS = [
  ['Rss', 'rss'],
  ['Pss', 'pss'],
  ['Shared_Clean', 'sharedClean'],
  ['Shared_Dirty', 'sharedDirty'],
  ['Private_Clean', 'privateClean'],
  ['Private_Dirty', 'privateDirty'],
  ['Swap', 'swap'],
] as const;

/** Further smaps fields that go into `--json` output when the kernel has them. */
const EXTRA_JSON_FIELDS = [
  ['Pss_Dirty', 'pssDirty'],
  ['Referenced', 'referenced'],
  ['Anonymous', 'anonymous'],
  ['SwapPss', 'swapPss'],
  ['Locked', 'locked'],
] as const;

/** Text the own-process view appends to the lines of the mappings it made. */
export const MARK = '  <- FILE';

const W = { addr: 25, perms: 4, offset: 8, device: 5, inode: 10, kbytes: 9, kind: 8 } as const;

function smapsField(row: MapRow, key: string): number {
  return (row.entry as SmapsEntry).fields?.[key] ?? 0;
}

function kb(bytes: number): string {
  return String(Math.round(bytes / 1024));
}

function numWidth(name: string): number {
  return Math.max(name.length, 8);
}

/** The `start-end` of a mapping as the kernel prints it (at least 8 hex digits each). */
export function addressRange(row: MapRow): string {
  return `${row.entry.start.toString(16).padStart(8, '0')}-${row.entry.end.toString(16).padStart(8, '0')}`;
}

/** The header line of the default and `-x` listings. */
export function headerLine(extended: boolean): string {
  const ext = extended ? SMAPS_COLUMNS.map(([name]) => ' ' + name.padStart(numWidth(name))).join('') : '';
  return `${'Address'.padEnd(W.addr)} ${'Perm'.padEnd(W.perms)} ${'Offset'.padEnd(W.offset)} ${'Dev'.padEnd(W.device)} ${'Inode'.padStart(W.inode)} ${'Kbytes'.padStart(W.kbytes)}${ext} ${'Kind'.padEnd(W.kind)} Mapping`;
}

/**
 * One mapping as a line: start-end, perms, offset, device, inode, size in KiB, (with
 * `extended`: Rss … Swap in KiB), kind, and the path or a bracketed pseudo-name. Mappings
 * this process made for a FILE operand end in {@link MARK}. Columns have fixed minimum
 * widths, so the output does not depend on the terminal or the data around it.
 */
export function formatRow(row: MapRow, extended: boolean): string {
  const e = row.entry;
  const ext = extended ? SMAPS_COLUMNS.map(([name]) => ' ' + kb(smapsField(row, name)).padStart(numWidth(name))).join('') : '';
  return (
    `${addressRange(row).padEnd(W.addr)} ${e.perms} ${e.offset.toString(16).padStart(W.offset, '0')} ${e.device.padEnd(W.device)} ` +
    `${String(e.inode).padStart(W.inode)} ${kb(e.size).padStart(W.kbytes)}${ext} ${row.kind.padEnd(W.kind)} ${row.name}${row.mark !== undefined ? MARK : ''}`
  );
}

/** Sums of a set of mappings, in bytes. */
export interface Totals {
  mappings: number;
  size: number;
  /** Sums of the smaps fields by kernel name (`Rss`, `Shared_Dirty`, …). */
  fields: Record<string, number>;
}

/** Adds up size and every smaps field over `rows`. */
export function totals(rows: readonly MapRow[]): Totals {
  const t: Totals = { mappings: 0, size: 0, fields: {} };
  for (const row of rows) {
    t.mappings++;
    t.size += row.entry.size;
    const fields = (row.entry as SmapsEntry).fields;
    if (fields) for (const [k, v] of Object.entries(fields)) t.fields[k] = (t.fields[k] ?? 0) + v;
  }
  return t;
}

/** Dirty bytes as `pmap -x` counts them: Shared_Dirty + Private_Dirty. */
export function dirtyOf(fields: Record<string, number>): number {
  return (fields.Shared_Dirty ?? 0) + (fields.Private_Dirty ?? 0);
}

/** The `-x` totals line: the same columns as the rows, in KiB. */
export function totalsLine(t: Totals): string {
  const lead = 'total kB'.padEnd(W.addr + W.perms + W.offset + W.device + W.inode + 4);
  const ext = SMAPS_COLUMNS.map(([name]) => ' ' + kb(t.fields[name] ?? 0).padStart(numWidth(name))).join('');
  return `${lead} ${kb(t.size).padStart(W.kbytes)}${ext}`;
}

/** A listing: header, one line per row, and (with `extended`) the totals line. */
export function formatListing(rows: readonly MapRow[], options: { extended: boolean; header: boolean }): string {
  const lines: string[] = [];
  if (options.header) lines.push(headerLine(options.extended));
  for (const row of rows) lines.push(formatRow(row, options.extended));
  if (options.extended) lines.push(totalsLine(totals(rows)));
  return lines.map((l) => l + '\n').join('');
}

/** The JSON record of one mapping (numbers in bytes; addresses as `0x…` strings, since they exceed 2^53). */
export function rowJson(pid: number, row: MapRow, extended: boolean): Record<string, unknown> {
  const e = row.entry;
  const o: Record<string, unknown> = {
    pid,
    start: '0x' + e.start.toString(16),
    end: '0x' + e.end.toString(16),
    size: e.size,
    perms: e.perms,
    offset: e.offset,
    device: e.device,
    inode: e.inode,
    kind: row.kind,
    path: e.path,
    deleted: e.deleted,
  };
  if (row.mark !== undefined) o.mappedFile = row.mark;
  if (extended) {
    const se = e as SmapsEntry;
    for (const [name, key] of SMAPS_COLUMNS) o[key] = se.fields?.[name] ?? 0;
    for (const [name, key] of EXTRA_JSON_FIELDS) if (se.fields?.[name] !== undefined) o[key] = se.fields[name];
    o.vmFlags = se.vmFlags ?? [];
  }
  return o;
}

/** NDJSON: one object per row. */
export function formatJson(view: ProcessView, rows: readonly MapRow[]): string {
  return rows.map((row) => JSON.stringify(rowJson(view.pid, row, view.extended)) + '\n').join('');
}

/** Totals of each `--summary` group, plus `total`. */
export function summarize(rows: readonly MapRow[]): Map<SummaryGroup | 'total', Totals> {
  const out = new Map<SummaryGroup | 'total', Totals>();
  for (const g of SUMMARY_GROUPS) out.set(g, totals(rows.filter((r) => summaryGroup(r.kind) === g)));
  out.set('total', totals(rows));
  return out;
}

const SUMMARY_EXT = [
  ['Rss', (f: Record<string, number>) => f.Rss ?? 0],
  ['Pss', (f: Record<string, number>) => f.Pss ?? 0],
  ['Dirty', dirtyOf],
  ['Swap', (f: Record<string, number>) => f.Swap ?? 0],
] as const;

/** `--summary` as text: one line per group, then the grand total; Rss/Pss/Dirty/Swap with `extended`. */
export function formatSummary(rows: readonly MapRow[], options: { extended: boolean; header: boolean }): string {
  const lines: string[] = [];
  const ext = (f: Record<string, number>) => (options.extended ? SUMMARY_EXT.map(([, get]) => ' ' + kb(get(f)).padStart(9)).join('') : '');
  if (options.header) lines.push(`${'Kind'.padEnd(14)} ${'Mappings'.padStart(8)} ${'Kbytes'.padStart(9)}${options.extended ? SUMMARY_EXT.map(([n]) => ' ' + n.padStart(9)).join('') : ''}`);
  for (const [group, t] of summarize(rows)) lines.push(`${group.padEnd(14)} ${String(t.mappings).padStart(8)} ${kb(t.size).padStart(9)}${ext(t.fields)}`);
  return lines.map((l) => l + '\n').join('');
}

/** `--summary --json`: one object per group and one for `total`, numbers in bytes. */
export function formatSummaryJson(view: ProcessView, rows: readonly MapRow[]): string {
  let out = '';
  for (const [group, t] of summarize(rows)) {
    const o: Record<string, unknown> = { pid: view.pid, kind: group, mappings: t.mappings, size: t.size };
    if (view.extended) {
      o.rss = t.fields.Rss ?? 0;
      o.pss = t.fields.Pss ?? 0;
      o.dirty = dirtyOf(t.fields);
      o.swap = t.fields.Swap ?? 0;
    }
    out += JSON.stringify(o) + '\n';
  }
  return out;
}
