/**
 * Import without holding the input: read it in pieces of whole lines (whole CSV rows), encode
 * each piece and append it, so memory stays bounded whatever the input's length. A line
 * longer than {@link MAX_LINE} is refused (a NUL-filled device or a binary file has none).
 * All or nothing: when any line fails, the file is cut back to its old size (or removed if
 * this import created it).
 */
import { closeSync, fstatSync, openSync, truncateSync, unlinkSync, constants as fsConstants } from 'node:fs';
import { fromNodeError, readSome, systemError } from '@mm/core';
import type { Layout } from '../layout.js';
import { ValueError } from '../value/kinds.js';
import { encodePiece, guessFormat, type CsvColumns, type InputFormat } from './input.js';

/** Longest input line (CSV row) import accepts: 1 MiB. */
export const MAX_LINE = 1024 * 1024;
const READ_SIZE = 1024 * 1024;
/** Most bytes of encoded records held at once. */
const MAX_BLOCK = 16 * 1024 * 1024;

/** Where a piece of input may end: after the last newline (outside CSV quotes), at most `maxLines` lines in. */
function cutPoint(buf: Buffer, csv: boolean, maxLines: number): number {
  let lines = 0;
  let cut = -1;
  let quoted = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (csv && c === 0x22) quoted = !quoted;
    else if (c === 10 && !quoted) {
      cut = i + 1;
      if (++lines >= maxLines) break;
    }
  }
  return cut;
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let p = buf.indexOf(10); p >= 0; p = buf.indexOf(10, p + 1)) n++;
  return n;
}

/**
 * Reads `input` (`-` = stdin) piece by piece and hands each piece's encoded records to
 * `append`. Returns the number of records. Errors name `label` and the line.
 */
export function streamRecords(layout: Layout, input: string, format: InputFormat, append: (block: Buffer, count: number) => void): number {
  const label = input === '-' ? 'stdin' : input;
  let fd: number;
  try {
    fd = input === '-' ? 0 : openSync(input, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw fromNodeError(e, label);
  }
  try {
    try {
      if (fstatSync(fd).isDirectory()) throw systemError(21, 'read', label);
    } catch (e) {
      throw fromNodeError(e, label);
    }
    const maxLines = Math.max(1, Math.floor(MAX_BLOCK / Math.max(1, layout.size)));
    let chosen: 'json' | 'csv' | undefined = format === 'auto' ? undefined : format;
    let columns: CsvColumns | undefined;
    let line = 1;
    let total = 0;
    let pending = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(READ_SIZE);
    let eof = false;
    const encode = (piece: Buffer): void => {
      if (!piece.length) return;
      chosen ??= guessFormat(piece);
      const r = encodePiece(layout, piece, { format: chosen, label, firstLine: line, columns });
      if (chosen === 'csv') columns = r.columns;
      line += countLines(piece);
      if (r.count) append(r.block, r.count);
      total += r.count;
    };
    while (!eof) {
      let n: number;
      try {
        n = readSome(fd, chunk, label);
      } catch (e) {
        throw fromNodeError(e, label);
      }
      if (n === 0) eof = true;
      else pending = pending.length ? Buffer.concat([pending, chunk.subarray(0, n)]) : Buffer.from(chunk.subarray(0, n));
      for (;;) {
        if (eof) {
          encode(pending);
          pending = Buffer.alloc(0);
          break;
        }
        const cut = cutPoint(pending, chosen === 'csv' || (chosen === undefined && guessFormat(pending) === 'csv'), maxLines);
        if (cut < 0) {
          if (pending.length > MAX_LINE) throw new ValueError(`${label}: line ${line}: longer than ${MAX_LINE} bytes (1 MiB), the longest line import reads`);
          break;
        }
        encode(pending.subarray(0, cut));
        pending = pending.subarray(cut);
        if (pending.length < READ_SIZE) {
          pending = Buffer.from(pending);
          break;
        }
      }
    }
    return total;
  } finally {
    if (input !== '-') closeSync(fd);
  }
}

/** Puts a file back as an import found it: cut to `size` bytes, or removed when it did not exist. */
export function rollBack(path: string, size: number | undefined): void {
  try {
    if (size === undefined) unlinkSync(path);
    else truncateSync(path, size);
  } catch {
    // the import's own error says what went wrong
  }
}
