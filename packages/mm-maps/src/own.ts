import { isSystemError, openMapping, pageSize, systemError, type Mapping } from '@mm/core';
import type { MarkedRange } from './view.js';

/** The FILE operands this process mapped (keep `mappings` referenced while they should stay mapped). */
export interface OwnMappings {
  mappings: Mapping[];
  ranges: MarkedRange[];
  /** One printable message per operand that could not be mapped (`x: No such file or directory`). */
  errors: string[];
  /** Operands that are empty files: nothing to map, not an error. */
  empty: string[];
}

/**
 * Maps each FILE read-only and shared, whole (`-` is standard input, which must then be a
 * regular file). Failures are collected per operand, never thrown, so the others still map.
 */
export function mapFiles(files: readonly string[]): OwnMappings {
  const out: OwnMappings = { mappings: [], ranges: [], errors: [], empty: [] };
  for (const file of files) {
    try {
      const m = openMapping(file === '-' ? 0 : file, { access: 'r', sharing: 'shared' });
      if (m.length === 0) {
        out.empty.push(file);
        continue;
      }
      out.mappings.push(m);
      const pages = BigInt(Math.ceil(m.length / pageSize()) * pageSize());
      out.ranges.push({ start: m.address, end: m.address + pages, label: file });
    } catch (e) {
      if (isSystemError(e)) out.errors.push(file === '-' ? systemError(e.errno, e.syscall, '-').message : e.message);
      else if (e instanceof Error) out.errors.push(e.message.startsWith(`${file}: `) ? e.message : `${file}: ${e.message}`);
      else throw e;
    }
  }
  return out;
}

/** Unmaps what {@link mapFiles} mapped. */
export function unmapAll(own: OwnMappings): void {
  for (const m of own.mappings) m.unmap();
}
