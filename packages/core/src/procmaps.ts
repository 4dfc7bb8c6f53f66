import { readFileSync, readlinkSync } from 'node:fs';
import { fromNodeError, isSystemError, systemError, type SystemError } from './errors.js';

/** What a mapping is, judged from its path and the process's executable. */
export type MappingKind = 'program' | 'library' | 'file' | 'heap' | 'stack' | 'anon' | 'shm' | 'vdso' | 'vvar' | 'vsyscall' | 'deleted' | 'other';

/** One line of /proc/PID/maps. */
export interface MapsEntry {
  /** First address (inclusive). */
  start: bigint;
  /** End address (exclusive). */
  end: bigint;
  /** end - start, in bytes. */
  size: number;
  /** `rwxp` / `r--s` as the kernel prints it. */
  perms: string;
  /** Offset into the file (hex in the kernel's line), bytes. */
  offset: number;
  /** `major:minor` of the device. */
  device: string;
  inode: number;
  /** The path or pseudo-name (`[heap]`), without a ` (deleted)` suffix; '' for anonymous memory. */
  path: string;
  /** True when the kernel marked the file ` (deleted)`. */
  deleted: boolean;
  /** The kernel's line, untouched. */
  raw: string;
}

/** A maps entry plus its /proc/PID/smaps fields, in bytes (`Rss`, `Pss`, `Shared_Clean`, …). */
export interface SmapsEntry extends MapsEntry {
  fields: Record<string, number>;
  /** The `VmFlags:` mnemonics. */
  vmFlags: string[];
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)(?:\s(.*))?$/;

/** Parses one maps line, or returns null if it is not one. Paths may contain spaces. */
export function parseMapsLine(line: string): MapsEntry | null {
  const m = LINE.exec(line);
  if (!m) return null;
  let path = (m[7] ?? '').replace(/^\s+/, '');
  let deleted = false;
  if (path.endsWith(' (deleted)')) {
    deleted = true;
    path = path.slice(0, -' (deleted)'.length);
  }
  const start = BigInt('0x' + m[1]);
  const end = BigInt('0x' + m[2]);
  return {
    start,
    end,
    size: Number(end - start),
    perms: m[3],
    offset: Number.parseInt(m[4], 16),
    device: m[5],
    inode: Number(m[6]),
    path,
    deleted,
    raw: line,
  };
}

/** Parses the text of /proc/PID/maps. */
export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  for (const line of text.split('\n')) {
    const e = parseMapsLine(line);
    if (e) out.push(e);
  }
  return out;
}

/** Parses the text of /proc/PID/smaps (sizes given in kB become bytes). */
export function parseSmaps(text: string): SmapsEntry[] {
  const out: SmapsEntry[] = [];
  let cur: SmapsEntry | null = null;
  for (const line of text.split('\n')) {
    const head = parseMapsLine(line);
    if (head) {
      cur = { ...head, fields: {}, vmFlags: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const kv = /^(\w+):\s+(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (key === 'VmFlags') {
      cur.vmFlags = value.trim().split(/\s+/).filter(Boolean);
      continue;
    }
    const num = /^(\d+)(?:\s+kB)?$/.exec(value.trim());
    if (num) cur.fields[key] = Number(num[1]) * (value.includes('kB') ? 1024 : 1);
  }
  return out;
}

const DELETED = ' (deleted)';

function fileKey(e: MapsEntry): string {
  return `${e.device} ${e.inode}`;
}

/**
 * The files (as `device inode` keys) that some executable private mapping runs code from —
 * pass the result to {@link mappingKind} so a Node addon (`x.node`) or a plugin without
 * `.so` in its name counts as a library.
 */
export function codeFiles(entries: readonly MapsEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) if (e.inode !== 0 && e.perms[2] === 'x' && e.perms[3] === 'p') out.add(fileKey(e));
  return out;
}

/**
 * Classifies a mapping. `exe` is the process's executable as /proc/PID/exe names it (a
 * ` (deleted)` suffix is allowed: the program's code stays `program` after its file was
 * replaced); `code` is {@link codeFiles} of the same process.
 *
 * Shared anonymous memory (`/dev/zero (deleted)`, `[anon_shmem:NAME]`), memfd objects and
 * shared hugetlb memory are `shm` like /dev/shm objects; private hugetlb memory is `anon`;
 * every `[vvar…]` variant is `vvar`.
 */
export function mappingKind(e: MapsEntry, exe?: string, code?: ReadonlySet<string>): MappingKind {
  const p = e.path;
  const shared = e.perms[3] === 's';
  if (p === '[heap]') return 'heap';
  if (p === '[stack]' || p.startsWith('[stack:')) return 'stack';
  if (p === '[vdso]') return 'vdso';
  if (p.startsWith('[vvar')) return 'vvar';
  if (p === '[vsyscall]') return 'vsyscall';
  if (p === '') return 'anon';
  if (p.startsWith('[anon_shmem:')) return 'shm';
  if (p.startsWith('[')) return p.startsWith('[anon') ? 'anon' : 'other';
  if (p.startsWith('/dev/shm/') || p.startsWith('/SYSV')) return 'shm';
  if (e.deleted) {
    if (p === '/dev/zero' || p.startsWith('/memfd:')) return 'shm';
    if (p === '/anon_hugepage') return shared ? 'shm' : 'anon';
  }
  if (exe !== undefined && e.inode !== 0) {
    const program = exe.endsWith(DELETED) ? exe.slice(0, -DELETED.length) : exe;
    if (p === program) return 'program';
  }
  if (e.deleted) return 'deleted';
  if (/\.so(\.|$)/.test(p.slice(p.lastIndexOf('/') + 1))) return 'library';
  if (code?.has(fileKey(e))) return 'library';
  return 'file';
}

function procPath(pid: number | 'self', file: string): string {
  return `/proc/${pid}/${file}`;
}

function noSuchProcess(pid: number | 'self'): SystemError {
  const e = systemError(3 /* ESRCH */, 'open', `PID ${pid}`);
  e.message = `PID ${pid}: no such process`;
  return e;
}

/**
 * The bytes of /proc/PID/FILE, untouched (paths in maps need not be UTF-8). Errors are worded
 * for people: `PID 7: no such process`, `PID 1: cannot read /proc/1/smaps: Permission denied`.
 */
export function readProcBytes(pid: number | 'self', file: string): Buffer {
  if (pid !== 'self' && (!Number.isSafeInteger(pid) || pid <= 0)) throw noSuchProcess(pid);
  try {
    return readFileSync(procPath(pid, file));
  } catch (e) {
    const err = fromNodeError(e, `PID ${pid}`);
    if (isSystemError(err) && (err.code === 'ENOENT' || err.code === 'ESRCH')) throw noSuchProcess(pid);
    if (isSystemError(err)) {
      err.path = procPath(pid, file);
      err.message = `PID ${pid}: cannot read ${procPath(pid, file)}: ${err.message.slice(err.message.indexOf(': ') + 2)}`;
    }
    throw err;
  }
}

function readProc(pid: number | 'self', file: string): string {
  return readProcBytes(pid, file).toString('utf8');
}

/** Reads and parses /proc/PID/maps ('self' for this process). ESRCH if the process is gone. */
export function readMaps(pid: number | 'self' = 'self'): MapsEntry[] {
  return parseMaps(readProc(pid, 'maps'));
}

/** Reads and parses /proc/PID/smaps. EACCES (said plainly) when permissions forbid it. */
export function readSmaps(pid: number | 'self' = 'self'): SmapsEntry[] {
  return parseSmaps(readProc(pid, 'smaps'));
}

/** The raw text of /proc/PID/maps. */
export function readMapsText(pid: number | 'self' = 'self'): string {
  return readProc(pid, 'maps');
}

/** The executable of a process, or undefined when it cannot be read. */
export function processExe(pid: number | 'self' = 'self'): string | undefined {
  try {
    return readlinkSync(procPath(pid, 'exe'));
  } catch {
    return undefined;
  }
}

/** The maps entry containing `address` in this process (or `pid`), if any. */
export function findMapping(address: bigint, pid: number | 'self' = 'self'): MapsEntry | undefined {
  return readMaps(pid).find((e) => address >= e.start && address < e.end);
}
