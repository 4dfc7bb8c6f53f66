// Where the bytes come from: a FILE or standard input, opened and checked before any fork.
// Nothing is read here: the parent streams the input through the ring later, in chunks.
import { closeSync, fstatSync, readSync, constants as fsConstants } from 'node:fs';
import { fromNodeError, openFile, systemError } from '@mm/core';

const EISDIR = 21;

/** An input opened and checked, ready to be streamed by `shareThroughFork`. */
export interface Input {
  /** The name used in messages: the path, or `-` for standard input. */
  readonly name: string;
  /** The open file descriptor (0 for standard input). */
  readonly fd: number;
  /**
   * Bytes a regular file held when it was opened (for the narration); null for inputs whose
   * size cannot be known without reading them (pipes, terminals, files in /proc that report
   * size 0). The stream itself goes to the input's end, whatever its size.
   */
  readonly size: number | null;
  /** Whether {@link closeInput} closes `fd`. */
  readonly owned: boolean;
  /** Set by {@link closeInput}. */
  closed: boolean;
}

/**
 * Opens `path` (`-` is standard input) and checks that it can be read as a stream. Every
 * error a user can cause before reading — a missing or unreadable file, a directory — is
 * thrown here as a SystemError (`NAME: No such file or directory`, `NAME: Is a directory`),
 * before anything is mapped or forked. A file opened here is also read once, one byte at
 * offset 0 without moving the file position, so that a file whose very reading fails
 * (`/proc/self/mem`: `Input/output error`) fails here too; later read errors come from the
 * stream.
 */
export function openInput(path: string): Input {
  const stdin = path === '-';
  const name = path;
  const fd = stdin ? 0 : openFile(path, fsConstants.O_RDONLY);
  try {
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw fromNodeError(e, name);
    }
    if (st.isDirectory()) throw systemError(EISDIR, 'read', name);
    if (!stdin && st.isFile()) {
      try {
        readSync(fd, Buffer.alloc(1), 0, 1, 0);
      } catch (e) {
        throw fromNodeError(e, name);
      }
    }
    return { name, fd, size: st.isFile() && st.size > 0 ? st.size : null, owned: !stdin, closed: false };
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
