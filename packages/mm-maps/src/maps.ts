import { isSystemError } from '@mm/core';
import { isEmptyFilter, rowMatches, type RowFilter } from './filter.js';
import { formatJson, formatListing, formatSummary, formatSummaryJson } from './format.js';
import { mapFiles, unmapAll } from './own.js';
import { commandLine, markRanges, readView, type ProcessView } from './view.js';
import { renderHtml, renderSvg } from './svg.js';
import { waitForQuit } from './wait.js';
import { formatWho, formatWhoJson, unreadableNote, who } from './who.js';

/** What to show, as the command line asked. */
export interface MapsOptions {
  /** Processes to show; none: this process, after mapping `files`. */
  pids: number[];
  /** FILE operands to map read-only in this process (own view only). */
  files: string[];
  /** Print the kernel's lines untouched (smaps blocks with `extended`). */
  raw: boolean;
  /** Add the smaps columns and a totals line. */
  extended: boolean;
  /** Totals by kind instead of one line per mapping. */
  summary: boolean;
  /** One JSON object per line. */
  json: boolean;
  /** Print column headings (text output only). */
  header: boolean;
  filter: RowFilter;
  /** Own view: stay alive after printing until Enter, SIGINT or SIGTERM. */
  wait: boolean;
  /** Draw the address space (one process) as an SVG picture, or an HTML page holding it. */
  picture?: 'svg' | 'html';
  /** Instead of an address space: every process (of `pids`, if given) that maps or holds this path or shm name. */
  who?: string;
}

/** Where output goes: data to `out`, one-line messages to `note` (the CLI prefixes the program name). */
export interface MapsOutput {
  out(data: string | Buffer): void;
  note(message: string): void;
}

/** Renders one process's view as the options ask (the heading, if any, comes first). */
export function render(view: ProcessView, options: Pick<MapsOptions, 'raw' | 'summary' | 'json' | 'header' | 'filter' | 'picture'>, heading?: string): string | Buffer {
  const rows = isEmptyFilter(options.filter) ? view.rows : view.rows.filter((r) => rowMatches(r, options.filter));
  const head = heading !== undefined && !options.json ? heading + '\n' : '';
  if (options.picture) {
    const title = `PID ${view.pid}: ${commandLine(view.pid)}`;
    const shown = rows === view.rows ? view : { ...view, rows };
    const hidden = rows === view.rows ? undefined : view.rows.filter((r) => !rows.includes(r));
    return options.picture === 'html' ? renderHtml(shown, { title, hidden }) : renderSvg(shown, { title, hidden });
  }
  if (options.raw) return Buffer.concat([Buffer.from(head), ...rows.map((r) => r.raw)]);
  if (options.json) return options.summary ? formatSummaryJson(view, rows) : formatJson(view, rows);
  const body = options.summary ? formatSummary(rows, { extended: view.extended, header: options.header }) : formatListing(rows, { extended: view.extended, header: options.header });
  return head + body;
}

/** The heading before each process when several are shown, as pmap writes it: `PID:   command line`. */
export function pidHeading(pid: number): string {
  return `${pid}:   ${commandLine(pid)}`;
}

/**
 * Shows the address space of each PID, reporting a failure per PID and carrying on.
 * Returns the exit status: 0, or 1 if any PID failed.
 */
export function showProcesses(options: MapsOptions, sink: MapsOutput): number {
  let status = 0;
  const several = options.pids.length > 1;
  for (const pid of options.pids) {
    try {
      const view = readView(pid, { extended: options.extended });
      sink.out(render(view, options, several ? pidHeading(pid) : undefined));
    } catch (e) {
      if (!isSystemError(e)) throw e;
      sink.note(e.message);
      status = 1;
    }
  }
  return status;
}

/**
 * The own view: maps each FILE, prints this process's mappings with those marked, and with
 * `wait` stays alive so other processes can look. Returns the exit status (1 if a FILE failed).
 */
export async function showSelf(options: MapsOptions, sink: MapsOutput): Promise<number> {
  const own = mapFiles(options.files);
  for (const message of own.errors) sink.note(message);
  for (const file of own.empty) sink.note(`${file}: empty file, nothing to map`);
  try {
    const view = readView('self', { extended: options.extended });
    markRanges(view, own.ranges);
    sink.out(render(view, options));
    if (options.wait) {
      const pid = process.pid;
      sink.note(`PID ${pid} is waiting; look from outside: cat /proc/${pid}/maps (or mm-maps -p ${pid}). Enter, Ctrl-C or SIGTERM ends it.`);
      await waitForQuit({ stdin: !options.files.includes('-') });
    }
  } finally {
    unmapAll(own);
  }
  return own.errors.length > 0 ? 1 : 0;
}

/**
 * `--who TARGET`: every process that maps TARGET or holds it open, as a table or NDJSON;
 * a note on how many processes could not be read. Returns the exit status (0).
 */
export function showHolders(target: string, options: MapsOptions, sink: MapsOutput): number {
  const result = who(target, { pids: options.pids });
  sink.out(options.json ? formatWhoJson(result) : formatWho(result, { header: options.header }));
  const note = unreadableNote(result);
  if (note !== undefined) sink.note(note);
  return 0;
}

/** Runs mm-maps: {@link showHolders} with `who`, {@link showProcesses} with PIDs, else {@link showSelf}. */
export async function runMaps(options: MapsOptions, sink: MapsOutput): Promise<number> {
  if (options.who !== undefined) return showHolders(options.who, options, sink);
  return options.pids.length > 0 ? showProcesses(options, sink) : showSelf(options, sink);
}
