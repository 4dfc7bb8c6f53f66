// Where the bytes come from: a FILE or standard input, checked and sized before any fork
// (the shared mapping must exist, at its full size, before the child is forked).
import { closeSync, fstatSync, constants as fsConstants } from 'node:fs';
import { fromNodeError, maxMappingLength, MmError, openFile, readSome, systemError, writeSignalPayload, SIGNAL_READER_HEADER, type Mapping } from '@mm/core';

/** Largest input that fits one mapping together with the length header. */
export const MAX_INPUT = maxMappingLength - SIGNAL_READER_HEADER;

const CHUNK = 1 << 20;
const EISDIR = 21;

/** An input opened and sized, ready to be copied into a mapping by {@link copyInput}. */
export interface Input {
  /** The name used in messages: the path, or `-` for standard input. */
  readonly name: string;
  /** The open file descriptor (0 for standard input). */
  readonly fd: number;
  /** Bytes the mapping must hold after its header. */
  readonly size: number;
  /**
   * The bytes already read, for inputs whose size cannot be known without reading them
   * (pipes, terminals, files that report size 0 such as those in /proc); `null` for a
   * regular file, which is read straight into the mapping later.
   */
  readonly chunks: Buffer[] | null;
  /** Whether {@link closeInput} closes `fd`. */
  readonly owned: boolean;
  /** Set by {@link closeInput}. */
  closed: boolean;
}

function tooBig(name: string): MmError {
  return new MmError('ERR_MM_TOO_BIG', `${name}: input larger than one mapping can hold on this Node.js (${MAX_INPUT} bytes)`);
}

/** Reads `fd` to its end in 1 MiB chunks (no chunk is kept larger than what was read). */
function readToEnd(fd: number, name: string): { chunks: Buffer[]; size: number } {
  const chunks: Buffer[] = [];
  let size = 0;
  let buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  for (;;) {
    const n = readSome(fd, buf.subarray(used), name);
    if (n === 0) break;
    used += n;
    size += n;
    if (size > MAX_INPUT) throw tooBig(name);
    if (used === buf.length) {
      chunks.push(buf);
      buf = Buffer.allocUnsafe(CHUNK);
      used = 0;
    }
  }
  if (used > 0) chunks.push(buf.subarray(0, used));
  return { chunks, size };
}

/**
 * Opens `path` (`-` is standard input) and learns how many bytes it holds. Every error a
 * user can cause — missing or unreadable file, a directory, an input too large — is thrown
 * here, as a SystemError (`NAME: No such file or directory`, `NAME: Is a directory`) or an
 * MmError, before anything is mapped or forked. A regular file is only stat'ed; anything
 * else (a pipe, a terminal, a /proc file reporting size 0) is read in full now.
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
    if (st.isFile() && st.size > 0) {
      if (st.size > MAX_INPUT) throw tooBig(name);
      return { name, fd, size: st.size, chunks: null, owned: !stdin, closed: false };
    }
    const { chunks, size } = readToEnd(fd, name);
    return { name, fd, size, chunks, owned: !stdin, closed: false };
  } catch (e) {
    if (!stdin) closeSync(fd);
    throw e;
  }
}

/**
 * Copies the input into `mapping` after its {@link SIGNAL_READER_HEADER}-byte header and
 * then publishes the length in the header (an atomic store, so a reader that sees the length
 * sees the bytes). A regular file is read straight into the mapped memory, with no buffer in
 * between; if it shrank since {@link openInput} the shorter length is published, if it grew
 * the extra bytes are left out. Returns the bytes published.
 */
export function copyInput(input: Input, mapping: Mapping): number {
  if (input.chunks) {
    const length = writeSignalPayload(mapping, input.chunks);
    input.chunks.length = 0;
    return length;
  }
  const data = mapping.bytes.subarray(SIGNAL_READER_HEADER, SIGNAL_READER_HEADER + input.size);
  let length = 0;
  while (length < data.length) {
    const n = readSome(input.fd, data.subarray(length), input.name);
    if (n === 0) break;
    length += n;
  }
  Atomics.store(new BigUint64Array(mapping.buffer, 0, 1), 0, BigInt(length));
  return length;
}

/** Closes the input's descriptor if {@link openInput} opened it. Safe to call twice. */
export function closeInput(input: Input): void {
  if (input.owned && !input.closed) {
    input.closed = true;
    closeSync(input.fd);
  }
}
