import { processCommandLine } from '@mm/cli';
import { parseMaps, parseMapsLine, parseSmaps, processExe, readProcBytes, type MappingKind, type MapsEntry, type SmapsEntry } from '@mm/core';
import { classifyMapping, codeFiles, displayName, guessExecutable } from './kind.js';

/** Which process to read: a PID, or `'self'` for the calling process. */
export type Target = number | 'self';

/** One mapping of a process, classified, with the kernel's own text for it. */
export interface MapRow {
  /** The parsed maps line (with its smaps fields when read with `extended`). */
  entry: MapsEntry | SmapsEntry;
  kind: MappingKind;
  /** The path, `PATH (deleted)`, a pseudo-name such as `[heap]`, or `[anon]`. */
  name: string;
  /** The kernel's bytes for this mapping, untouched: its maps line, or its whole smaps block. */
  raw: Buffer;
  /** Set by {@link markRanges}: the operand whose mapping this is. */
  mark?: string;
}

/** The address space of one process, as read from `/proc/PID/maps` or `/proc/PID/smaps`. */
export interface ProcessView {
  pid: number;
  /** The executable (from `/proc/PID/exe`, or guessed from the maps when that is unreadable). */
  exe: string | undefined;
  /** True when the rows carry smaps fields. */
  extended: boolean;
  rows: MapRow[];
}

/** Options of {@link readView}. */
export interface ReadViewOptions {
  /** Read `/proc/PID/smaps` (Rss, Pss, … per mapping) instead of `/proc/PID/maps`. */
  extended?: boolean;
}


/** Splits `buf` into its lines (without the newlines). */
function byteLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  while (from < buf.length) {
    let nl = buf.indexOf(10, from);
    if (nl < 0) nl = buf.length;
    lines.push(buf.subarray(from, nl));
    from = nl + 1;
  }
  return lines;
}

/**
 * Splits the text of /proc/PID/maps or smaps into the bytes of each mapping (a maps line,
 * or an smaps header line with the field lines under it), each ending in a newline.
 */
export function splitRaw(buf: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let start = -1;
  let pos = 0;
  for (const line of byteLines(buf)) {
    if (parseMapsLine(line.toString('utf8'))) {
      if (start >= 0) chunks.push(buf.subarray(start, pos));
      start = pos;
    }
    pos += line.length + 1;
  }
  if (start >= 0) chunks.push(withNewline(buf.subarray(start, Math.min(pos, buf.length))));
  return chunks;
}

function withNewline(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] !== 10 ? Buffer.concat([b, Buffer.from('\n')]) : b;
}

/**
 * Builds a view from the bytes of /proc/PID/maps (or smaps, with `extended`).
 * Exposed for tests and for text captured elsewhere.
 */
export function viewFromBytes(pid: number, buf: Buffer, options: ReadViewOptions & { exe?: string } = {}): ProcessView {
  const extended = !!options.extended;
  const text = buf.toString('utf8');
  const entries: MapsEntry[] = extended ? parseSmaps(text) : parseMaps(text);
  const raws = splitRaw(buf);
  const exe = options.exe ?? guessExecutable(entries);
  const code = codeFiles(entries);
  const rows = entries.map((entry, i) => ({ entry, kind: classifyMapping(entry, exe, code), name: displayName(entry), raw: raws[i] ?? Buffer.from(entry.raw + '\n') }));
  return { pid, exe, extended, rows };
}

/**
 * Reads the address space of a process (`'self'` for this one). Throws a SystemError with a
 * printable message when the process does not exist (`PID 7: no such process`) or its maps
 * may not be read (`Permission denied`).
 */
export function readView(target: Target, options: ReadViewOptions = {}): ProcessView {
  const buf = readProcBytes(target, options.extended ? 'smaps' : 'maps');
  const pid = target === 'self' ? process.pid : target;
  return viewFromBytes(pid, buf, { ...options, exe: processExe(target) });
}

/** The command line of a process for a heading (`[comm]` for kernel threads), or '' if gone. */
export const commandLine: (pid: number) => string = processCommandLine;

/** An address range [start, end) of memory this process mapped, with the operand it came from. */
export interface MarkedRange {
  start: bigint;
  end: bigint;
  label: string;
}

/** Marks every row overlapping one of `ranges` with that range's label. Returns how many rows were marked. */
export function markRanges(view: ProcessView, ranges: readonly MarkedRange[]): number {
  let n = 0;
  for (const row of view.rows) {
    const hit = ranges.find((r) => row.entry.start < r.end && r.start < row.entry.end);
    if (hit) {
      row.mark = hit.label;
      n++;
    }
  }
  return n;
}
