import type { MappingKind } from '@mm/core';
import { MAPPING_KINDS } from './kind.js';
import type { MapRow } from './view.js';

/** Which mappings to keep. Every given criterion must hold. */
export interface RowFilter {
  /** Keep these kinds only. */
  kinds?: ReadonlySet<MappingKind>;
  /** Keep mappings whose shown name (path, `[heap]`, `[anon]`, `… (deleted)`) contains this. */
  path?: string;
  /** Permission pattern, see {@link parsePerms}. */
  perms?: PermsPattern;
}

/** A checked `--perms` pattern. */
export interface PermsPattern {
  /** Letters that must all be present (`rw` keeps `rw-p` and `rwxs`). */
  letters?: string;
  /** Position by position, `?` matching anything (`r-x` keeps exactly `r-xp`/`r-xs`). */
  positional?: string;
}

/** Thrown for a bad filter value; the CLI turns it into a usage error. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/**
 * Parses `--kind` values: names separated by commas, from {@link MAPPING_KINDS}.
 * @throws FilterError for an unknown name.
 */
export function parseKinds(values: readonly string[]): Set<MappingKind> {
  const out = new Set<MappingKind>();
  for (const value of values) {
    for (const name of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!(MAPPING_KINDS as readonly string[]).includes(name)) throw new FilterError(`invalid kind '${name}' (one of: ${MAPPING_KINDS.join(', ')})`);
      out.add(name as MappingKind);
    }
  }
  if (out.size === 0) throw new FilterError('empty --kind');
  return out;
}

/**
 * Parses `--perms`: letters from `rwxsp` that must all be set (`rw`, `x`, `s`), or a pattern
 * with `-` read position by position like the kernel's column (`r-x`, `rw-s`).
 * @throws FilterError for anything else.
 */
export function parsePerms(text: string): PermsPattern {
  if (!/^[rwxsp-]{1,4}$/.test(text)) throw new FilterError(`invalid permissions '${text}' (letters from rwxsp, or a pattern like r-x or rw-s)`);
  if (text.includes('-')) {
    const slots = ['r', 'w', 'x', 'sp'];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '-' && !slots[i].includes(c)) throw new FilterError(`invalid permissions '${text}': '${c}' cannot be at position ${i + 1}`);
    }
    if (text.length === 4 && text[3] === '-') throw new FilterError(`invalid permissions '${text}': the 4th letter is s or p`);
    return { positional: text };
  }
  if (text.includes('s') && text.includes('p')) throw new FilterError(`invalid permissions '${text}': a mapping is either shared (s) or private (p)`);
  return { letters: text };
}

/** True if `perms` (as in maps: `r-xp`) matches the pattern. */
export function permsMatch(perms: string, pattern: PermsPattern): boolean {
  if (pattern.letters !== undefined) return [...pattern.letters].every((c) => perms.includes(c));
  const p = pattern.positional ?? '';
  for (let i = 0; i < p.length; i++) if (p[i] !== perms[i]) return false;
  return true;
}

/** True when the row passes every criterion of `filter`. */
export function rowMatches(row: MapRow, filter: RowFilter): boolean {
  if (filter.kinds && !filter.kinds.has(row.kind)) return false;
  if (filter.path !== undefined && !row.name.includes(filter.path)) return false;
  if (filter.perms && !permsMatch(row.entry.perms, filter.perms)) return false;
  return true;
}

/** True when the filter keeps everything. */
export function isEmptyFilter(filter: RowFilter): boolean {
  return !filter.kinds && filter.path === undefined && !filter.perms;
}
