import { existsSync } from 'node:fs';
import { formatTable } from '@mm/cli';
import { fileTarget, findHolders, shmTarget, systemError, type Holder, type HolderScan, type HolderTarget } from '@mm/core';

/**
 * What `--who TARGET` may mean. A TARGET with a `/` inside (`./x`, `/tmp/x`, `/dev/shm/x`)
 * is a path. A bare name is the file in the working directory if one is there, and `/name`
 * the shm object if `/dev/shm/name` is there (else the file `/name`, if that exists). When
 * nothing by that name exists any more, both the deleted file and the unlinked shm object
 * are candidates; {@link who} looks for both in the same pass.
 */
export function whoTargets(arg: string): HolderTarget[] {
  const inner = arg.startsWith('/') ? arg.slice(1) : arg;
  if (inner.includes('/') || inner === '' || inner === '.' || inner === '..') return [fileTarget(arg)];
  const file = existsSync(arg);
  const shm = existsSync(`/dev/shm/${inner}`);
  if (arg.startsWith('/') ? shm : file) return [arg.startsWith('/') ? shmTarget(arg) : fileTarget(arg)];
  if (file || shm) return [file ? fileTarget(arg) : shmTarget(arg)];
  return [fileTarget(arg), shmTarget(arg)];
}

/** The result of {@link who}: the target as resolved, and what one pass over /proc found. */
export interface WhoResult {
  target: HolderTarget;
  holders: Holder[];
  /** Processes looked at. */
  processes: number;
  /** Processes whose maps or descriptors could not be read. */
  unreadable: number;
}

/**
 * Every process (or every one of `pids`) that maps `arg` or holds it open, with mapped and
 * resident bytes. Throws `ARG: No such file or directory` when nothing is at `arg` and no
 * process holds a deleted file or object of that name.
 */
export function who(arg: string, options: { pids?: readonly number[] } = {}): WhoResult {
  const targets = whoTargets(arg);
  const scan: HolderScan = findHolders(targets, { pids: options.pids && options.pids.length > 0 ? options.pids : undefined });
  const i = Math.max(0, scan.holders.findIndex((h) => h.length > 0));
  const target = targets[i];
  const holders = scan.holders[i];
  if (target.missing && holders.length === 0) throw systemError(2 /* ENOENT */, 'stat', arg);
  return { target, holders, processes: scan.processes, unreadable: scan.unreadable };
}

/** How a process holds the target, briefly: `map rw shared ×2, fd 3 r (deleted)`. */
export function howHeld(h: Holder): string {
  const parts: string[] = [];
  const counts = new Map<string, number>();
  for (const m of h.mappings) {
    const access = m.perms.slice(0, 3).replace(/-/g, '') || 'none';
    const key = `map ${access} ${m.perms[3] === 's' ? 'shared' : 'private'}${m.deleted ? ' (deleted)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, n] of counts) parts.push(n > 1 ? `${key} ×${n}` : key);
  for (const f of h.fds) parts.push(`fd ${f.fd} ${f.access}${f.deleted ? ' (deleted)' : ''}`);
  return parts.join(', ');
}

const kib = (n: number | undefined): string => (n === undefined ? '?' : String(Math.round(n / 1024)));

/** The text table: PID, COMMAND, mapped and resident KiB, and how. */
export function formatWho(result: WhoResult, options: { header: boolean }): string {
  const rows = result.holders.map((h) => [String(h.pid), h.command, kib(h.mapped), kib(h.resident), howHeld(h)]);
  const head = ['PID', 'COMMAND', 'MAPPED_KB', 'RSS_KB', 'HOW'];
  const all = options.header ? [head, ...rows] : rows;
  return formatTable(all, { rightAligned: [0, 2, 3] });
}

/** NDJSON: one object per holder, numbers in bytes, addresses as `0x…` strings. */
export function formatWhoJson(result: WhoResult): string {
  return result.holders
    .map((h) =>
      JSON.stringify({
        pid: h.pid,
        command: h.command,
        target: result.target.path,
        mapped: h.mapped,
        resident: h.resident ?? null,
        deleted: h.mappings.some((m) => m.deleted) || h.fds.some((f) => f.deleted),
        how: howHeld(h),
        mappings: h.mappings.map((m) => ({ start: '0x' + m.start.toString(16), end: '0x' + m.end.toString(16), size: m.size, perms: m.perms, offset: m.offset, resident: m.rss ?? null, deleted: m.deleted })),
        fds: h.fds,
      }) + '\n',
    )
    .join('');
}

/** The stderr note when some processes could not be read, or undefined when all could. */
export function unreadableNote(result: WhoResult): string | undefined {
  if (result.unreadable === 0) return undefined;
  const n = result.unreadable;
  return `${n} of ${result.processes} process${result.processes === 1 ? '' : 'es'} could not be read (permission denied); ${n === 1 ? 'it' : 'they'} may hold ${result.target.path} too`;
}
