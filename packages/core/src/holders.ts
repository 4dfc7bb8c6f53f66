import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fromNodeError } from './errors.js';
import { pageSize } from './map.js';
import { parseMapsLine, type MapsEntry } from './procmaps.js';
import { SHM_DIR, validateShmName } from './shm.js';

/**
 * A file (or POSIX shm object) to look for in every process. Build one with
 * {@link fileTarget} or {@link shmTarget}.
 */
export interface HolderTarget {
  /** The absolute path the kernel prints for it in /proc (`/dev/shm/NAME` for an shm object). */
  path: string;
  /** `major:minor` as /proc/PID/maps prints it (hex), when the path exists. */
  device?: string;
  /** Inode number, when the path exists. */
  inode?: number;
  /** True when nothing is at `path` now: only mappings and fds of a deleted file can match. */
  missing: boolean;
}

/** One mapping of the target in a holder's address space. */
export interface HeldMapping {
  start: bigint;
  end: bigint;
  /** Bytes mapped. */
  size: number;
  /** `rw-s`, `r--p`… as the kernel prints it. */
  perms: string;
  /** Offset into the file, bytes. */
  offset: number;
  /** Resident bytes (pages present, smaps' `Rss`); undefined when not asked for or not readable. */
  rss?: number;
  /** True when the mapped file was deleted (an unlinked shm object, a replaced file). */
  deleted: boolean;
}

/** One open file descriptor on the target. */
export interface HeldFd {
  fd: number;
  /** Access mode the descriptor was opened with. */
  access: 'r' | 'w' | 'rw';
  /** True when the open file was deleted. */
  deleted: boolean;
}

/** A process that maps the target or holds it open. */
export interface Holder {
  pid: number;
  /** The process's name as /proc/PID/comm gives it. */
  command: string;
  mappings: HeldMapping[];
  fds: HeldFd[];
  /** Sum of the mappings' sizes, bytes. */
  mapped: number;
  /** Sum of the mappings' resident bytes; undefined when not known (not asked for, or smaps unreadable). */
  resident?: number;
}

/** The result of one pass over /proc. */
export interface HolderScan {
  /** Holders of each target, in the order the targets were given, each sorted by pid. */
  holders: Holder[][];
  /** Processes looked at. */
  processes: number;
  /** Processes whose maps or fds /proc would not show (another user's, as non-root). */
  unreadable: number;
}

/** Options of {@link findHolders}. */
export interface FindHoldersOptions {
  /** Find the resident bytes of each held mapping (from /proc/PID/pagemap, else smaps). Default true. */
  resident?: boolean;
  /** Processes to look at (default: every process in /proc). */
  pids?: readonly number[];
}

function deviceString(dev: number): string {
  // glibc's major()/minor() split of the 64-bit st_dev, printed as /proc/PID/maps does.
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

function identify(path: string): HolderTarget {
  try {
    const real = realpathSync(path);
    const st = statSync(real);
    return { path: real, device: deviceString(st.dev), inode: st.ino, missing: false };
  } catch (e) {
    const err = fromNodeError(e, path);
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  // Gone: the kernel names a deleted file by the path it had, so resolve what still exists of it.
  let dir = dirname(path);
  try {
    dir = realpathSync(dir);
  } catch {
    // the directory is gone too; the path as given is the best guess
  }
  return { path: resolve(dir, basename(path)), missing: true };
}

/**
 * The target for a file path (relative paths resolve against the working directory, symlinks
 * are followed). A path where nothing exists any more is still a target: processes that
 * map or hold the deleted file are found by the name the kernel keeps for it.
 * @throws SystemError for failures other than ENOENT (e.g. EACCES on a parent directory).
 */
export function fileTarget(path: string): HolderTarget {
  return identify(resolve(path));
}

/**
 * The target for a POSIX shm object (`name` or `/name`). An object already removed with
 * shm_unlink but still mapped somewhere is still a target.
 * @throws MmError for an invalid name.
 */
export function shmTarget(name: string): HolderTarget {
  const bare = validateShmName(name);
  const t = identify(`${SHM_DIR}/${bare}`);
  return t.missing ? { ...t, path: `${SHM_DIR}/${bare}` } : t;
}

const DELETED = ' (deleted)';

/** Above this many targets, each maps line is looked up instead of each target searched for. */
const MANY_TARGETS = 8;

function entryMatches(e: MapsEntry, t: HolderTarget): boolean {
  if (e.path === t.path) return true;
  return t.inode !== undefined && e.inode === t.inode && e.device === t.device;
}

/** O_PATH (octal 010000000): a descriptor that names a file but can neither read nor write it. */
const O_PATH = 0o10000000;

/**
 * How an fd holds its file, from /proc/PID/fdinfo; null for an O_PATH descriptor, which is a
 * reference, not an open file (core keeps one per file mapping to report the file's size).
 */
function accessOf(pid: number, fd: string): 'r' | 'w' | 'rw' | null {
  try {
    const m = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
    const flags = m ? Number.parseInt(m[1], 8) : 0;
    if (flags & O_PATH) return null;
    const mode = flags & 3;
    return mode === 1 ? 'w' : mode === 2 ? 'rw' : 'r';
  } catch {
    return 'r';
  }
}

function errCode(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/**
 * Resident bytes of each mapping: pages present in the process's page tables, as smaps
 * counts them for `Rss`, read from /proc/PID/pagemap (8 bytes a page, bit 63 = present) —
 * far cheaper than having the kernel write all of smaps — or from smaps when pagemap is
 * closed. Undefined when neither can be read.
 */
function residentOf(pid: number, maps: readonly HeldMapping[]): Map<HeldMapping, number> | undefined {
  const out = new Map<HeldMapping, number>();
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
    const page = BigInt(pageSize());
    const buf = Buffer.allocUnsafe(8 * 4096);
    for (const m of maps) {
      let present = 0;
      const first = Number(m.start / page);
      const pages = Number((m.end - m.start) / page);
      for (let done = 0; done < pages; ) {
        const want = Math.min(pages - done, 4096);
        const got = readSync(fd, buf, 0, want * 8, (first + done) * 8) >> 3;
        if (got === 0) break;
        for (let k = 0; k < got; k++) if (buf[k * 8 + 7] & 0x80) present++;
        done += got;
      }
      out.set(m, present * pageSize());
    }
    return out;
  } catch {
    // pagemap closed (or the process ended): smaps, if it can be read
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    for (const m of maps) out.set(m, residentAt(smaps, m.start));
    return out;
  } catch {
    return undefined;
  }
}

/** `Rss` of the smaps block of the mapping starting at `start` (0 if it is not there any more). */
function residentAt(smaps: string, start: bigint): number {
  const head = start.toString(16).padStart(8, '0') + '-';
  let at = smaps.startsWith(head) ? 0 : smaps.indexOf('\n' + head);
  if (at < 0) return 0;
  at = smaps.indexOf('\nRss:', at + 1);
  if (at < 0) return 0;
  const m = /^Rss:\s+(\d+) kB/.exec(smaps.slice(at + 1, at + 64));
  return m ? Number(m[1]) * 1024 : 0;
}

function allPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Every process that maps one of `targets` or holds it open, in one pass over /proc: each
 * process's /proc/PID/maps (lines are matched by device and inode, or by path, which also
 * catches deleted files and unlinked shm objects) and its open descriptors (matched by the
 * path their /proc/PID/fd link names, ` (deleted)` included). A file open under another
 * hard-linked name is not seen through its descriptors, only through its mappings.
 *
 * Processes that end during the pass are skipped; processes whose maps or fds may not be
 * read (another user's, unless root) are counted in `unreadable`, the rest still shown.
 * With `resident` (default), the resident bytes of each held mapping come from the
 * holder's /proc/PID/pagemap (pages present, as smaps counts `Rss`), or its smaps when
 * pagemap is closed.
 */
export function findHolders(targets: readonly HolderTarget[], options: FindHoldersOptions = {}): HolderScan {
  const wantResident = options.resident ?? true;
  const holders: Holder[][] = targets.map(() => []);
  const linkNames = new Map<string, number[]>();
  targets.forEach((t, i) => {
    for (const name of [t.path, t.path + DELETED]) linkNames.set(name, [...(linkNames.get(name) ?? []), i]);
  });
  const needles = targets.map((t) => [t.path, ...(t.inode !== undefined ? [` ${t.inode} `] : [])]);
  let byKey: Map<string, number[]> | undefined;
  const byPath = new Map<string, number[]>();
  if (targets.length > MANY_TARGETS) {
    byKey = new Map();
    targets.forEach((t, i) => {
      if (t.inode !== undefined) byKey!.set(`${t.device} ${t.inode}`, [...(byKey!.get(`${t.device} ${t.inode}`) ?? []), i]);
      byPath.set(t.path, [...(byPath.get(t.path) ?? []), i]);
    });
  }
  const pids = options.pids ?? allPids();
  let unreadable = 0;
  let processes = 0;
  for (const pid of pids) {
    const found = new Map<number, Holder>();
    const holderOf = (i: number): Holder => {
      let h = found.get(i);
      if (!h) {
        h = { pid, command: '', mappings: [], fds: [], mapped: 0 };
        found.set(i, h);
      }
      return h;
    };
    let denied = false;
    let gone = false;
    // Mappings.
    let mapsText = '';
    try {
      mapsText = readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ESRCH') gone = true;
      else denied = true;
    }
    if (gone) continue;
    processes++;
    if (mapsText) {
      const add = (i: number, e: MapsEntry): void => {
        const h = holderOf(i);
        h.mappings.push({ start: e.start, end: e.end, size: e.size, perms: e.perms, offset: e.offset, deleted: e.deleted });
        h.mapped += e.size;
      };
      if (byKey) {
        // Many targets (every object in /dev/shm): one look-up per mapping, not a search per target.
        for (const line of mapsText.split('\n')) {
          const e = parseMapsLine(line);
          if (!e || (e.inode === 0 && !e.path.startsWith('/'))) continue;
          const hits = new Set([...(byKey.get(`${e.device} ${e.inode}`) ?? []), ...(byPath.get(e.path) ?? [])]);
          for (const i of hits) add(i, e);
        }
      } else {
        targets.forEach((t, i) => {
          if (!needles[i].some((n) => mapsText.includes(n))) return;
          for (const line of mapsText.split('\n')) {
            const e = parseMapsLine(line);
            if (e && entryMatches(e, t)) add(i, e);
          }
        });
      }
    }
    // Open descriptors.
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch (e) {
      if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ESRCH') denied = true;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch (e) {
        if (errCode(e) === 'ENOENT') continue; // closed meanwhile
        denied = true; // the directory lists, its links do not resolve (another user's process)
        break;
      }
      const hits = linkNames.get(link);
      if (!hits) continue;
      const access = accessOf(pid, fd);
      if (access === null) continue;
      for (const i of hits) holderOf(i).fds.push({ fd: Number(fd), access, deleted: link !== targets[i].path });
    }
    if (denied) unreadable++;
    if (found.size === 0) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
    } catch {
      // gone or hidden: the pid says enough
    }
    const held = [...found.values()].flatMap((h) => h.mappings);
    const rss = wantResident && held.length > 0 ? residentOf(pid, held) : undefined;
    for (const [i, h] of found) {
      h.command = command;
      h.fds.sort((a, b) => a.fd - b.fd);
      if (rss && h.mappings.length > 0) {
        h.resident = 0;
        for (const m of h.mappings) {
          m.rss = rss.get(m) ?? 0;
          h.resident += m.rss;
        }
      } else if (h.mappings.length === 0) {
        h.resident = 0;
      }
      holders[i].push(h);
    }
  }
  return { holders, processes, unreadable };
}
