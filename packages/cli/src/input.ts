// Opening what a user names on the command line: a path, or `-` for standard input. Every
// error a user can cause before reading (a missing or unreadable file, a directory, a thing
// that is not a regular file where one is needed) is a SystemError named after the user's
// operand (`poem.txt: Is a directory`), never after a descriptor.
import { closeSync, readSync, constants as fsConstants } from 'node:fs';
import { fileStat, fromNodeError, openFile, systemError, type FileStat } from '@mm/core';

const EISDIR = 21;
const ENODEV = 19;

/** The operand that means standard input. */
export const STDIN_OPERAND = '-';

/** Options of {@link statInput}. */
export interface StatInputOptions {
  /** The system call named by a refusal (`read` for a stream, `mmap` for a mapping). Default `read`. */
  syscall?: string;
  /**
   * Refuse anything but a regular file (a pipe, FIFO, terminal, socket, device) with ENODEV
   * and this reason after the name (`NAME: REASON`). Default: such inputs are fine.
   */
  regularFile?: string;
}

/**
 * fstat(2) of an open input, named `name` in errors; refuses a directory (EISDIR) and, with
 * `regularFile`, anything that is not a regular file (ENODEV).
 */
export function statInput(fd: number, name: string, options: StatInputOptions = {}): FileStat {
  const syscall = options.syscall ?? 'read';
  const st = fileStat(fd, name);
  if (st.isDirectory()) throw systemError(EISDIR, syscall, name);
  if (options.regularFile !== undefined && !st.isFile()) {
    const e = systemError(ENODEV, syscall, name);
    e.message = `${name}: ${options.regularFile}`;
    throw e;
  }
  return st;
}

/** Options of {@link openInput}. */
export interface OpenInputOptions extends StatInputOptions {
  /** open(2) flags for a path (standard input is used as it is). Default O_RDONLY. */
  flags?: number;
  /**
   * Read one byte at offset 0 of a regular file (the position does not move), so that a file
   * whose very reading fails (`/proc/self/mem`: `Input/output error`) fails here.
   */
  probeRead?: boolean;
}

/** An input opened and checked by {@link openInput}. */
export interface Input {
  /** The name used in messages: the operand as given (`-` for standard input). */
  readonly name: string;
  /** The open file descriptor (0 for standard input). */
  readonly fd: number;
  /** What fstat said when it was opened. */
  readonly stat: FileStat;
  /**
   * Bytes a regular file held when it was opened; null for inputs whose size cannot be known
   * without reading them (pipes, terminals, files in /proc that report size 0).
   */
  readonly size: number | null;
  /** Whether {@link closeInput} closes `fd` (false for standard input). */
  readonly owned: boolean;
  /** Set by {@link closeInput}. */
  closed: boolean;
}

/**
 * Opens `path` (`-` is standard input, used as it is) and checks it with {@link statInput};
 * on any error the descriptor this call opened is closed again.
 */
export function openInput(path: string, options: OpenInputOptions = {}): Input {
  const stdin = path === STDIN_OPERAND;
  const fd = stdin ? 0 : openFile(path, options.flags ?? fsConstants.O_RDONLY);
  try {
    const st = statInput(fd, path, options);
    if (options.probeRead && !stdin && st.isFile()) {
      try {
        readSync(fd, Buffer.alloc(1), 0, 1, 0);
      } catch (e) {
        throw fromNodeError(e, path);
      }
    }
    return { name: path, fd, stat: st, size: st.isFile() && st.size > 0 ? st.size : null, owned: !stdin, closed: false };
  } catch (e) {
    if (!stdin) closeSync(fd);
    throw e;
  }
}

/** Closes the input's descriptor if {@link openInput} opened it. Safe to call twice. */
export function closeInput(input: Input): void {
  if (input.owned && !input.closed) {
    input.closed = true;
    closeSync(input.fd);
  }
}
