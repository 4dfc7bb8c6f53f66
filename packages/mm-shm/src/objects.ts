/**
 * The object operations behind mm-shm's subcommands: create, write (stdin → mapping),
 * read (mapping → stdout), list, stat and remove. Each takes plain arguments and file
 * descriptors, so it can be called without spawning the CLI.
 */
import { closeSync, fchmodSync, fstatSync, ftruncateSync, read as fsReadCb } from 'node:fs';
import { promisify } from 'node:util';
import {
  allocate,
  forEachWindow,
  fromNodeError,
  isSystemError,
  openMapping,
  readSome,
  shmOpen,
  shmUnlink,
  spliceToPipe,
  systemError,
  validateShmName,
  writeAll,
  growPipe,
  type ShmHandle,
} from '@mm/core';

const fsRead = promisify(fsReadCb);


/** Options of {@link createObject}. */
export interface CreateOptions {
  /** Size in bytes (ftruncate). A new object starts at 0; an existing one is grown, never cut (that is an error). */
  size?: number;
  /** Permission bits of a new object, set exactly (the umask does not apply). Default 0600 less the umask. */
  mode?: number;
  /** O_CREAT|O_EXCL: fail with `NAME: already exists` if the object exists. */
  exclusive?: boolean;
  /**
   * Reserve the memory now (posix_fallocate), so a full /dev/shm is an ENOSPC error here
   * rather than a SIGBUS in whoever writes later. A new object is removed again on failure.
   */
  allocate?: boolean;
}

/** What {@link createObject} did. */
export interface CreateResult {
  /** Name without the leading `/`. */
  name: string;
  /** True if the object was made by this call (false: it existed). */
  created: boolean;
  /** Size after the call. */
  size: number;
}

/** The error for `--exclusive` on an existing object: `NAME: already exists`. */
function alreadyExists(e: unknown, name: string): unknown {
  if (isSystemError(e) && e.code === 'EEXIST') e.message = `${validateShmName(name)}: already exists`;
  return e;
}

/**
 * Opens read-write with O_CREAT (and O_EXCL when `exclusive`, failing with
 * `NAME: already exists`), sets an explicit `mode` exactly on a new object, resizes to
 * `size` if given, and returns the handle (close its fd). A failure after creating
 * removes the object again.
 */
export function openForWriting(name: string, options: { mode?: number; exclusive?: boolean; size?: number }): ShmHandle {
  let h: ShmHandle;
  try {
    h = shmOpen(name, { create: true, exclusive: options.exclusive, mode: options.mode ?? 0o600, size: options.size });
  } catch (e) {
    throw alreadyExists(e, name);
  }
  if (h.created && options.mode !== undefined) {
    try {
      fchmodSync(h.fd, options.mode);
    } catch (e) {
      closeSync(h.fd);
      shmUnlink(h.name);
      throw fromNodeError(e, h.name);
    }
  }
  return h;
}

/**
 * `mm-shm create`: shm_open with O_CREAT (O_EXCL with `exclusive`), then ftruncate to
 * `size` if given (sparse: memory is used when written, unless `allocate`). Creating an existing object without `exclusive` just opens it.
 */
export function createObject(name: string, options: CreateOptions = {}): CreateResult {
  const h = openForWriting(name, { ...options, size: undefined });
  try {
    if (options.size !== undefined && options.size !== h.size) {
      // Growing is what --size is for; cutting an existing object would lose its bytes.
      if (!h.created && options.size < h.size) {
        const e = systemError(27 /* EFBIG */, 'ftruncate', h.name);
        e.message = `${h.name}: exists and holds ${h.size} bytes; --size ${options.size} would cut it (mm-shm write --truncate cuts on purpose)`;
        throw e;
      }
      try {
        ftruncateSync(h.fd, options.size);
      } catch (e) {
        throw fromNodeError(e, h.name);
      }
      h.size = options.size;
    }
    if (options.allocate && h.size > 0) allocate(h.fd, 0, h.size, h.name);
  } catch (e) {
    if (h.created) shmUnlink(h.name);
    throw e;
  } finally {
    closeSync(h.fd);
  }
  return { name: h.name, created: h.created, size: h.size };
}

/** Options of {@link writeObject}. */
export interface WriteOptions {
  /** Byte offset in the object where the input goes. Default 0. */
  offset?: number;
  /** Cut the object at `offset` first, so it ends where the input ends (like `>`). */
  truncate?: boolean;
  /** Permission bits if the object has to be created (set exactly). Default 0600 less the umask. */
  mode?: number;
  /** Bytes gathered from the input before they are copied through one mapping. Default 4 MiB. */
  chunkSize?: number;
}

/** What {@link writeObject} did. */
export interface WriteResult {
  name: string;
  created: boolean;
  /** Bytes copied from the input. */
  written: number;
  /** Size of the object afterwards. */
  size: number;
}

/**
 * `mm-shm write`: copies everything readable from `input` (a file descriptor, 0 for
 * stdin) into the object at `offset`, through a shared mapping. The object is created
 * (0600) if missing, and grows when the data does not fit; every range is reserved with
 * posix_fallocate before it is mapped, so a full /dev/shm is an ENOSPC error rather than
 * a SIGBUS. On failure an object this call created is removed again, and an existing one
 * goes back to its former size.
 */
export function writeObject(name: string, input: number, options: WriteOptions = {}): WriteResult {
  const w = startWrite(name, options);
  const stage = Buffer.allocUnsafe(options.chunkSize ?? 4 * 1024 * 1024);
  try {
    let eof = false;
    while (!eof) {
      // Fill the stage (a pipe gives 64 KiB a read) so each mapping carries a big chunk.
      let n = 0;
      while (n < stage.length) {
        const got = readSome(input, stage.subarray(n), 'stdin');
        if (got === 0) {
          eof = true;
          break;
        }
        n += got;
      }
      w.put(stage.subarray(0, n));
    }
    return w.finish();
  } catch (e) {
    w.abort();
    throw inputOrObjectError(e, w.name);
  }
}

/**
 * {@link writeObject} reading its input without blocking the event loop, so a stop signal
 * can end it: when `signal` aborts, an object this call created is removed (an existing one
 * goes back to its former size) and the promise rejects with the abort reason.
 */
export async function writeObjectAsync(name: string, input: number, options: WriteOptions & { signal?: AbortSignal } = {}): Promise<WriteResult> {
  const w = startWrite(name, options);
  const stage = Buffer.allocUnsafe(options.chunkSize ?? 4 * 1024 * 1024);
  const aborted = new Promise<never>((_, reject) => {
    if (options.signal?.aborted) reject(options.signal.reason);
    options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    let eof = false;
    while (!eof) {
      let n = 0;
      while (n < stage.length) {
        let got: number;
        try {
          got = (await Promise.race([fsRead(input, stage, n, stage.length - n, null), aborted])).bytesRead;
        } catch (e) {
          if (isSystemError(e) || (e as NodeJS.ErrnoException).syscall) throw readError(e);
          throw e;
        }
        if (got === 0) {
          eof = true;
          break;
        }
        n += got;
      }
      if (options.signal?.aborted) throw options.signal.reason;
      w.put(stage.subarray(0, n));
    }
    return w.finish();
  } catch (e) {
    w.abort();
    throw inputOrObjectError(e, w.name);
  }
}

/** A failed read of the input, named `stdin` (not the object). */
class InputError extends Error {}
function readError(e: unknown): InputError {
  const err = fromNodeError(e, 'stdin');
  return new InputError(err instanceof Error ? err.message : String(err));
}

function inputOrObjectError(e: unknown, name: string): unknown {
  if (e instanceof InputError || typeof e === 'string') return e;
  if (isSystemError(e) && e.syscall === 'read') return e; // readSome names stdin already
  return fromNodeError(e, name);
}

/** One write in progress: put() appends bytes through a mapping; abort() undoes what it did. */
function startWrite(name: string, options: WriteOptions): { name: string; put(bytes: Buffer): void; finish(): WriteResult; abort(): void } {
  const offset = options.offset ?? 0;
  const h = openForWriting(name, { mode: options.mode });
  const originalSize = h.size;
  let size = h.size;
  let pos = offset;
  let open = true;
  const close = (): void => {
    if (open) closeSync(h.fd);
    open = false;
  };
  try {
    if (options.truncate) {
      ftruncateSync(h.fd, offset);
      size = offset;
    }
  } catch (e) {
    if (h.created) shmUnlink(h.name);
    close();
    throw fromNodeError(e, h.name);
  }
  return {
    name: h.name,
    put(bytes: Buffer): void {
      const n = bytes.length;
      if (n === 0) return;
      allocate(h.fd, pos, n, h.name); // extends the object when pos + n > size
      size = Math.max(size, pos + n);
      const window = openMapping(h.fd, { access: 'rw', sharing: 'shared', offset: pos, length: n, populate: true, name: h.name, noun: 'object' });
      try {
        bytes.copy(window.bytes, 0, 0, n);
        window.check('being written');
      } finally {
        window.unmap();
      }
      pos += n;
    },
    finish(): WriteResult {
      close();
      return { name: h.name, created: h.created, written: pos - offset, size };
    },
    abort(): void {
      try {
        if (h.created) shmUnlink(h.name);
        else if (!options.truncate && size > originalSize) ftruncateSync(h.fd, originalSize);
      } catch {
        // the first error is the one to report
      }
      close();
    },
  };
}

/** Options of {@link readObject}. */
export interface ReadOptions {
  /** First byte to output. Past the end: nothing is output. Default 0. */
  offset?: number;
  /** Most bytes to output. Default: to the end of the object. */
  length?: number;
}

/** Bytes per mapped window of {@link readObject}: small enough to stay cache- and TLB-friendly. */
export const READ_WINDOW = 8 << 20;
/** What {@link readObject} asks an output pipe to hold. */
export const READ_PIPE_SIZE = 1 << 20;

/**
 * `mm-shm read`: writes the object's bytes, exactly, to `output` (a file descriptor, 1 for
 * stdout) straight from read-only mapped windows of {@link READ_WINDOW} bytes, with no copy
 * in JavaScript. Into a pipe, the object's pages themselves go in (vmsplice, see
 * {@link spliceToPipe}: the reader's read is the only copy), all but the last pipe-full,
 * which is written (copied) so that what is left in the pipe when this returns no longer
 * depends on the object; the pipe is first asked to hold {@link READ_PIPE_SIZE} (fewer
 * wake-ups for this process and the reader). Anything else gets write(2) from the mapping.
 * Returns the number of bytes written.
 */
export function readObject(name: string, output: number, options: ReadOptions = {}): number {
  const h = shmOpen(name, { readOnly: true });
  try {
    const offset = options.offset ?? 0;
    if (offset >= h.size) return 0;
    const end = options.length === undefined ? h.size : Math.min(h.size, offset + options.length);
    const pipeSize = end - offset > 64 * 1024 ? growPipe(output, READ_PIPE_SIZE) : 0;
    // Bytes before spliceEnd are spliced; from there on (the last pipe-full) they are written.
    const spliceEnd = pipeSize > 0 && Number.isSafeInteger(end) ? end - pipeSize : 0;
    return forEachWindow(h.fd, { offset, length: options.length, name: h.name, windowSize: READ_WINDOW }, (window, pos) => {
      try {
        const spliced = Math.max(0, Math.min(window.bytes.length, spliceEnd - pos));
        if (spliced > 0) spliceToPipe(output, window.bytes.subarray(0, spliced), 'write error');
        if (spliced < window.bytes.length) writeAll(output, window.bytes.subarray(spliced), 'write error');
      } catch (e) {
        // A page that vanished under write(2) or vmsplice(2): another process shrank the object.
        if (isSystemError(e) && e.code === 'EFAULT') e.message = `${h.name}: the object shrank while it was being read`;
        throw e;
      }
    });
  } finally {
    closeSync(h.fd);
  }
}

/** One failure of {@link removeObjects}. */
export interface RemoveFailure {
  name: string;
  error: unknown;
}

/**
 * `mm-shm rm`: shm_unlink each name (all names are checked first; a bad one throws before
 * anything is removed). Keeps going after a failure and returns the failures; with
 * `force`, a missing object is not one.
 */
export function removeObjects(names: string[], options: { force?: boolean } = {}): RemoveFailure[] {
  const bare = names.map((n) => validateShmName(n));
  const failures: RemoveFailure[] = [];
  for (const name of bare) {
    try {
      shmUnlink(name);
    } catch (e) {
      if (options.force && isSystemError(e) && e.code === 'ENOENT') continue;
      failures.push({ name, error: e });
    }
  }
  return failures;
}

/** Size and link count of an open object (`nlink` 0 once it was removed). */
export function objectState(fd: number, name: string): { size: number; nlink: number; ino: number } {
  try {
    const st = fstatSync(fd);
    return { size: st.size, nlink: st.nlink, ino: st.ino };
  } catch (e) {
    throw fromNodeError(e, name);
  }
}
