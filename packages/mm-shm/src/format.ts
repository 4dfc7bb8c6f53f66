/**
 * How mm-shm shows an object: permission bits (`0600`, `-rw-------`), owner and group
 * names, times, and the records printed by `ls` and `stat` (text and JSON).
 */
import { readFileSync } from 'node:fs';
import { escapeText, formatTable as alignedTable, InvalidArgumentError } from '@mm/cli';
import { SHM_DIR, type ShmInfo } from '@mm/core';
import type { AttachmentScan, Attachments } from './attached.js';

/**
 * Parses an octal permission mode as given to `--mode` (`600`, `0600`, `0o600`).
 * Throws commander's InvalidArgumentError (a usage error) for anything else.
 */
export function parseMode(text: string): number {
  const m = /^(?:0o?)?([0-7]{1,4})$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`invalid mode: '${text}' (expected octal, like 0600)`);
  const mode = parseInt(m[1], 8);
  // setuid, setgid and sticky mean nothing for a shared-memory object: refuse them.
  if (mode > 0o777) throw new InvalidArgumentError(`invalid mode: '${text}' (permission bits only, 0000 to 0777)`);
  return mode;
}

/** Permission bits as four octal digits: 0o600 → `0600`. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Permission bits of a regular file as `ls -l` shows them: 0o640 → `-rw-r-----`. */
export function symbolicMode(mode: number): string {
  const rwx = (bits: number, special: boolean, specialChar: string): string => {
    const x = bits & 1 ? (special ? specialChar : 'x') : special ? specialChar.toUpperCase() : '-';
    return (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + x;
  };
  return '-' + rwx((mode >> 6) & 7, !!(mode & 0o4000), 's') + rwx((mode >> 3) & 7, !!(mode & 0o2000), 's') + rwx(mode & 7, !!(mode & 0o1000), 't');
}

function idTable(file: string): Map<number, string> {
  const table = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      const id = Number(fields[2]);
      if (fields.length > 2 && fields[0] && Number.isInteger(id) && !table.has(id)) table.set(id, fields[0]);
    }
  } catch {
    // no such database: numbers only
  }
  return table;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

/** The user name of a uid from /etc/passwd, or the number as text. */
export function userName(uid: number): string {
  users ??= idTable('/etc/passwd');
  return users.get(uid) ?? String(uid);
}

/** The group name of a gid from /etc/group, or the number as text. */
export function groupName(gid: number): string {
  groups ??= idTable('/etc/group');
  return groups.get(gid) ?? String(gid);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local time as `2026-11-26 09:31:02` (seconds) — the `ls` column. */
export function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local time of day with milliseconds: `09:31:02.123` — the header of each `watch` dump. */
export function clockTime(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Local time with milliseconds and the UTC offset: `2026-11-26 09:31:02.123 +0000` — the `stat` line. */
export function localTimeLong(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${localTime(d)}.${clockTime(d).slice(-3)} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

/** One object as a plain JSON record (what `ls --json` and `stat --json` print, one per line). */
export interface ShmRecord {
  name: string;
  path: string;
  size: number;
  mode: string;
  uid: number;
  owner: string;
  gid: number;
  group: string;
  mtime: string;
  /** Only for a symbolic link in /dev/shm (not an object; never followed): where it points. */
  link?: string;
}

/** Turns core's {@link ShmInfo} into the JSON record (with `attached`, the number of processes that map it, when known). */
export function toRecord(info: ShmInfo, attached?: Attachments): ShmRecord & { attached?: number } {
  const rec: ShmRecord & { attached?: number } = {
    name: info.name,
    path: `${SHM_DIR}/${info.name}`,
    size: info.size,
    mode: octalMode(info.mode),
    uid: info.uid,
    owner: userName(info.uid),
    gid: info.gid,
    group: groupName(info.gid),
    mtime: info.mtime.toISOString(),
    ...(info.linkTarget !== undefined ? { link: info.linkTarget } : {}),
  };
  if (attached) rec.attached = attached.attached.length;
  return rec;
}

/** The `stat --json` record: {@link toRecord} plus the pids that map the object and those that only hold it open. */
export function toStatRecord(info: ShmInfo, a: Attachments, unreadable: number): Record<string, unknown> {
  return {
    ...toRecord(info, a),
    attachedPids: a.attached.map((h) => h.pid),
    openPids: a.openOnly.map((h) => h.pid),
    resident: a.attached.reduce((n, h) => n + (h.resident ?? 0), 0),
    unreadableProcesses: unreadable,
  };
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Sizes as `4.0 KiB` instead of bytes. */
  human?: boolean;
  /** Size formatter for `human` (defaults to bytes). */
  formatSize?: (n: number) => string;
  /** Adds the NATTCH column: how many processes map each object. */
  attachments?: AttachmentScan;
}

/**
 * The `ls` table: a header, then one line per object with NAME SIZE MODE OWNER MODIFIED,
 * columns padded to line up, sizes right-aligned.
 */
export function formatTable(infos: ShmInfo[], options: TableOptions = {}): string {
  const size = (n: number): string => (options.human && options.formatSize ? options.formatSize(n) : String(n));
  const a = options.attachments;
  const rows = [a ? ['NAME', 'SIZE', 'MODE', 'OWNER', 'NATTCH', 'MODIFIED'] : ['NAME', 'SIZE', 'MODE', 'OWNER', 'MODIFIED']];
  for (const i of infos) {
    const nattch = a ? [String(a.byName.get(i.name)?.attached.length ?? 0)] : [];
    // Names print as `ls -b` shows them (\n, \\, \xff), so one object is always one line.
    rows.push([shownName(i), size(i.size), octalMode(i.mode), userName(i.uid), ...nattch, localTime(i.mtime)]);
  }
  return alignedTable(rows, { rightAligned: a ? [1, 4] : [1] });
}

/** A name as `ls -l` shows it: a symbolic link with `-> target`. */
function shownName(info: ShmInfo): string {
  return info.linkTarget !== undefined ? `${escapeText(info.name)} -> ${escapeText(info.linkTarget)}` : escapeText(info.name);
}

function processList(holders: readonly { pid: number; command: string }[]): string {
  return holders.length === 0 ? '' : ` (${holders.map((h) => `${h.pid} ${h.command}`).join(', ')})`;
}

/**
 * The `stat` text of one object, like GNU stat's labelled lines; with attachments, the
 * processes that map it (pid and command), those that only hold it open, and how many
 * processes could not be read.
 */
export function formatStat(info: ShmInfo, a?: Attachments, unreadable = 0): string {
  const extra: string[] = [];
  if (a) {
    extra.push(`Attach: ${a.attached.length}${processList(a.attached)}`);
    if (a.openOnly.length > 0) extra.push(`  Open: ${a.openOnly.length}${processList(a.openOnly)}`);
    if (unreadable > 0) extra.push(`Unread: ${unreadable} process${unreadable === 1 ? '' : 'es'} could not be read (permission denied)`);
  }
  return [
    `  Name: /${escapeText(info.name)}`,
    `  File: ${SHM_DIR}/${shownName(info)}`,
    ...(info.linkTarget !== undefined ? ['  Type: symbolic link (not a shared memory object; not followed)'] : []),
    `  Size: ${info.size}`,
    `Access: (${octalMode(info.mode)}/${symbolicMode(info.mode)})  Uid: (${info.uid}/${userName(info.uid)})  Gid: (${info.gid}/${groupName(info.gid)})`,
    `Modify: ${localTimeLong(info.mtime)}`,
    ...extra,
  ].join('\n') + '\n';
}
