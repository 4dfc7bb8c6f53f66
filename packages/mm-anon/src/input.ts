// Where the bytes come from: a FILE or standard input, opened and checked before any fork.
// Nothing is read here: the parent streams the input through the ring later, in chunks.
import { closeInput, openInput as openOperand, type Input } from '@mm/cli';

export { closeInput, type Input };

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
  return openOperand(path, { probeRead: true });
}
