import { ftruncateSync, closeSync, readdirSync, lstatSync, readlinkSync, constants as fsConstants, type Stats } from 'node:fs';
import { decodeBytes } from './text.js';
import { binding } from './native.js';
import { fileStat } from './stat.js';
import { MmError, fromNodeError, isSystemError } from './errors.js';
import { mapOpenFd, checkSize, checkAccess, checkSharing, type Access, type Mapping, type Sharing } from './map.js';
import { checkMode } from './checks.js';

/** Where Linux keeps POSIX shared memory objects (a tmpfs). */
export const SHM_DIR = '/dev/shm';

/** Longest object name (NAME_MAX). */
export const SHM_NAME_MAX = 255;

/**
 * Checks a shared-memory object name and returns it without a leading `/`
 * (`hello_shm` and `/hello_shm` are the same object). Throws an {@link MmError} with code
 * `ERR_MM_BAD_NAME` for an empty name, an inner `/`, `.`/`..`, a NUL, or more than NAME_MAX bytes.
 */
export function validateShmName(name: string): string {
  if (typeof name !== 'string') throw new MmError('ERR_MM_BAD_NAME', 'shared memory name must be a string');
  const bare = name.startsWith('/') ? name.slice(1) : name;
  const shown = JSON.stringify(name);
  if (bare === '') throw new MmError('ERR_MM_BAD_NAME', `invalid shared memory name ${shown}: empty`);
  if (bare.includes('/')) throw new MmError('ERR_MM_BAD_NAME', `invalid shared memory name ${shown}: only a leading '/' is allowed`);
  if (bare === '.' || bare === '..') throw new MmError('ERR_MM_BAD_NAME', `invalid shared memory name ${shown}: '.' and '..' are not objects`);
  if (bare.includes('\0')) throw new MmError('ERR_MM_BAD_NAME', `invalid shared memory name ${shown}: contains a NUL byte`);
  if (Buffer.byteLength(bare) > SHM_NAME_MAX) throw new MmError('ERR_MM_BAD_NAME', `invalid shared memory name: longer than ${SHM_NAME_MAX} bytes`);
  return bare;
}

/** Options of {@link shmOpen}. */
export interface ShmOpenOptions {
  /** O_CREAT: create the object if it does not exist. */
  create?: boolean;
  /** O_CREAT|O_EXCL: fail with EEXIST if it already exists. */
  exclusive?: boolean;
  /** Permission bits of a new object. Default 0o600 (owner only). */
  mode?: number;
  /** ftruncate the object to this size (a new object starts at 0 bytes). */
  size?: number;
  /** Open O_RDONLY instead of O_RDWR (the object can then be read and mapped `r` only, and not resized). Default false. */
  readOnly?: boolean;
}

/** An open shared-memory object. Close `fd` with `fs.closeSync` when done. */
export interface ShmHandle {
  fd: number;
  /** Name without the leading `/`. */
  name: string;
  /** True if this call created the object. */
  created: boolean;
  /** Size in bytes after opening (and resizing). */
  size: number;
}

/**
 * shm_open. With `create` (and not `exclusive`) it first tries O_CREAT|O_EXCL, so
 * `created` tells whether this call made the object — a caller that fails afterwards
 * can remove what it made and leave nothing half-written.
 */
export function shmOpen(name: string, options: ShmOpenOptions = {}): ShmHandle {
  const bare = validateShmName(name);
  const mode = checkMode(options.mode ?? 0o600);
  if (options.size !== undefined) checkSize(options.size, 'size');
  const readOnly = options.readOnly ?? false;
  if (typeof readOnly !== 'boolean') throw new MmError('ERR_INVALID_ARG_VALUE', `readOnly must be true or false (got ${String(readOnly)})`);
  const rw = readOnly ? fsConstants.O_RDONLY : fsConstants.O_RDWR;
  let fd: number;
  let created = false;
  if (options.create || options.exclusive) {
    try {
      fd = binding.shmOpen('/' + bare, rw | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
      created = true;
    } catch (e) {
      if (options.exclusive || !isSystemError(e) || e.code !== 'EEXIST') throw e;
      fd = binding.shmOpen('/' + bare, rw, mode);
    }
  } else {
    fd = binding.shmOpen('/' + bare, rw, mode);
  }
  try {
    if (options.size !== undefined) ftruncateSync(fd, options.size);
    return { fd, name: bare, created, size: fileStat(fd, bare).size };
  } catch (e) {
    closeSync(fd);
    if (created) binding.shmUnlink('/' + bare);
    throw fromNodeError(e, bare);
  }
}

/** shm_unlink: removes the name; memory lives on while someone still maps it. */
export function shmUnlink(name: string): void {
  binding.shmUnlink('/' + validateShmName(name));
}

/**
 * What `ls -l /dev/shm` knows about one entry. Links are not followed (lstat): a symbolic
 * link in /dev/shm is described as the link it is (`linkTarget`, its own size and mode),
 * never as the file it points to; shm_open refuses to open it (ELOOP).
 */
export interface ShmInfo {
  name: string;
  /** Bytes (for a symbolic link: the length of its target string). */
  size: number;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** Set only for a symbolic link: where it points (not an object; nothing was followed). */
  linkTarget?: string;
}

function infoOf(name: string, st: Stats): ShmInfo {
  const info: ShmInfo = { name, size: st.size, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isSymbolicLink()) {
    try {
      info.linkTarget = readlinkSync(`${SHM_DIR}/${name}`);
    } catch {
      info.linkTarget = '';  // removed or changed while we looked: still a link
    }
  }
  return info;
}

/** lstat of one object (a symbolic link is reported as one, see {@link ShmInfo}); ENOENT if it does not exist. */
export function shmStat(name: string): ShmInfo {
  const bare = validateShmName(name);
  try {
    return infoOf(bare, lstatSync(`${SHM_DIR}/${bare}`));
  } catch (e) {
    const err = fromNodeError(e, bare);
    if (isSystemError(err)) err.syscall = 'shm_open';
    throw err;
  }
}

/**
 * Every POSIX shared-memory object (regular files in /dev/shm), and every symbolic link
 * there (with `linkTarget` set, not followed), sorted by name. A name that is not valid
 * UTF-8 comes back with each raw byte as U+DC80+byte (see `decodeBytes`).
 */
export function shmList(): ShmInfo[] {
  const out: ShmInfo[] = [];
  let names: Buffer[];
  try {
    names = readdirSync(SHM_DIR, { encoding: 'buffer' });
  } catch (e) {
    throw fromNodeError(e, SHM_DIR);
  }
  for (const raw of names.sort((a, b) => Buffer.compare(a, b))) {
    try {
      const st = lstatSync(Buffer.concat([Buffer.from(`${SHM_DIR}/`), raw]));
      if (!st.isFile() && !st.isSymbolicLink()) continue;
      out.push(infoOf(decodeBytes(raw), st));
    } catch {
      // removed while listing
    }
  }
  return out;
}

/** Options of {@link openShmMapping}: how to open plus how to map. */
export interface ShmMapOptions extends ShmOpenOptions {
  /**
   * Access the mapping gets, as in {@link openMapping}: `r`, `rw`, `w` or `none` (PROT_*).
   * Default `rw`, or `r` with `readOnly`. The object is opened O_RDONLY unless it is
   * created, resized or mapped shared and writable (or `readOnly` says otherwise).
   */
  access?: Access;
  /** `shared` (default) or `private`; anything else is ERR_INVALID_ARG_VALUE. */
  sharing?: Sharing;
  offset?: number;
  length?: number;
}

/** Opens (or creates) a shared-memory object and maps it; the fd is closed, the mapping stays. */
export function openShmMapping(name: string, options: ShmMapOptions = {}): Mapping & { created: boolean } {
  // Every option is checked before anything is created.
  const access = checkAccess(options.access ?? (options.readOnly === true ? 'r' : 'rw'));
  const sharing = checkSharing(options.sharing ?? 'shared');
  const offset = checkSize(options.offset ?? 0, 'offset');
  if (options.length !== undefined) checkSize(options.length, 'length');
  const writes = (sharing === 'shared' && (access === 'rw' || access === 'w')) || !!options.create || !!options.exclusive || options.size !== undefined;
  const h = shmOpen(name, { ...options, readOnly: options.readOnly ?? !writes });
  try {
    const m = mapOpenFd(h.fd, h.name, { access, sharing, offset, length: options.length, noun: 'object' });
    return Object.assign(m, { created: h.created });
  } catch (e) {
    if (h.created) shmUnlink(h.name);
    throw e;
  } finally {
    closeSync(h.fd);
  }
}

