import { constants as fsConstants } from 'node:fs';
import { binding } from './native.js';
import { checkSize } from './map.js';
import { MmError } from './errors.js';
import { checkFd, checkMode } from './checks.js';

/**
 * write(2) every byte of `bytes` to `fd`, straight from that memory (which may be a
 * mapping: no copy, and JavaScript never reads it). Waits out EAGAIN on non-blocking
 * pipes. Errors are SystemErrors: EPIPE when the reader left, ENOSPC on a full disk,
 * EFAULT/EIO when a mapped page vanished (the file was truncated). `name` names the
 * output in messages. Returns the bytes written. Any view works, including one over a
 * SharedArrayBuffer; `fd` must be a whole number from 0 to 2^31-1 (ERR_OUT_OF_RANGE).
 */
export function writeAll(fd: number, bytes: ArrayBufferView | ArrayBuffer, name?: string): number {
  return binding.writeAll(checkFd(fd), bytes, name);
}

/**
 * vmsplice(2) every byte of `bytes` into the pipe `fd`: the pipe takes references to the
 * pages themselves, so nothing is copied on the way in and the reader copies them out once
 * (write(2) copies into the pipe first). Meant for a mapping: `mm-shm read` of a big object
 * costs about half the CPU of {@link writeAll}.
 *
 * The reader gets what the pages hold *when it reads*, not when this call returned: bytes
 * still waiting in the pipe change if someone stores into those pages meanwhile, and stay
 * readable after the mapping is unmapped or the file truncated (the pipe keeps the pages).
 * Send the last pipe-full with {@link writeAll} to leave a copy behind when this process
 * is done with the memory.
 *
 * Waits out EAGAIN on a non-blocking pipe. Errors are SystemErrors from `vmsplice`: EBADF
 * when `fd` is not a pipe (or not open for writing), EPIPE when the reader left, EFAULT
 * when a mapped page vanished (the file was truncated). `name` names the output in
 * messages. Returns the bytes spliced.
 */
export function spliceToPipe(fd: number, bytes: ArrayBufferView | ArrayBuffer, name?: string): number {
  return binding.spliceToPipe(checkFd(fd), bytes, name);
}

/** read(2) once into `bytes`; 0 means end of input. Waits when a non-blocking pipe is empty. */
export function readSome(fd: number, bytes: ArrayBufferView | ArrayBuffer, name?: string): number {
  return binding.readSome(checkFd(fd), bytes, name);
}

/** Opens a file like open(2) (O_CLOEXEC added), throwing SystemErrors named after `path`. */
export function openFile(path: string, flags: number = fsConstants.O_RDONLY, mode = 0o644): number {
  return binding.openFd(path, flags, checkMode(mode));
}

/**
 * If `fd` is a pipe holding less than `bytes`, asks the kernel to let it hold `bytes`
 * (fcntl F_SETPIPE_SZ): fewer sleeps and wake-ups for the writer and the reader of a long
 * stream. Best effort: the kernel may refuse past `/proc/sys/fs/pipe-max-size` or the
 * user's share of pipe memory. Returns the pipe's capacity afterwards, or 0 if `fd` is not
 * a pipe.
 */
export function growPipe(fd: number, bytes: number): number {
  return binding.growPipe(fd, bytes);
}

/**
 * lseek(2): moves `fd`'s file offset (`from` = `start` SEEK_SET, `current` SEEK_CUR, `end`
 * SEEK_END) and returns the new offset; `seek(fd, 0, 'current')` reads it. ESPIPE for pipes,
 * sockets and ttys.
 */
export function seek(fd: number, offset: number, from: 'start' | 'current' | 'end' = 'start', name?: string): number {
  const C = binding.constants;
  if (!Number.isSafeInteger(offset)) checkSize(offset, 'offset');
  return binding.seek(fd, offset, from === 'start' ? C.SEEK_SET : from === 'current' ? C.SEEK_CUR : C.SEEK_END, name);
}

/**
 * Makes `fd` refer to `path` opened with `flags` (open, then dup2 onto `fd`). The descriptor
 * number stays taken throughout, so no other open can land on it.
 */
export function reopenFd(fd: number, path: string, flags: number): void {
  binding.reopenFd(fd, path, flags);
}

/** Lock kinds of {@link flock}. */
export type LockKind = 'shared' | 'exclusive' | 'unlock';

/** flock(2) on a whole file. Waits for the lock unless `wait` is false (then EWOULDBLOCK/EAGAIN). */
export function flock(fd: number, kind: LockKind, options: { wait?: boolean; name?: string } = {}): void {
  const C = binding.constants;
  let op = kind === 'shared' ? C.LOCK_SH : kind === 'exclusive' ? C.LOCK_EX : C.LOCK_UN;
  if (options.wait === false) op |= C.LOCK_NB;
  if (kind !== 'shared' && kind !== 'exclusive' && kind !== 'unlock') throw new MmError('ERR_INVALID_ARG_VALUE', `lock kind must be shared, exclusive or unlock (got ${String(kind)})`);
  binding.flock(checkFd(fd), op, options.name);
}

/**
 * posix_fallocate: reserve real blocks for [offset, offset+length). On tmpfs (/dev/shm)
 * this turns "no space left" into an ENOSPC error here, instead of a SIGBUS later when a
 * store through a mapping finds no page.
 */
export function allocate(fd: number, offset: number, length: number, name?: string): void {
  binding.allocate(checkFd(fd), checkSize(offset, 'offset'), checkSize(length, 'length'), name);
}
