// Where a byte past (or inside) the mapped file lies, and how to say it in words.
import { findMapping, mappingKind, pageSize, processExe, type MapsEntry } from '@mm/core';
import type { Geometry } from './context.js';

/** Where a byte lies relative to the file, the mapping and what follows it. */
export type Place = { kind: 'file' } | { kind: 'tail' } | { kind: 'slack' } | { kind: 'beyond-file' } | { kind: 'guard' } | { kind: 'outside'; entry: MapsEntry | undefined };

/** One maps line in words: `7f…-7f… r-xp /usr/lib/libc.so.6 (library)`. */
export function describeMapping(e: MapsEntry): string {
  const kind = mappingKind(e, processExe());
  const name = e.path === '' ? 'anonymous memory' : e.path;
  return `${e.start.toString(16)}-${e.end.toString(16)} ${e.perms} ${name}${kind !== 'anon' && kind !== 'file' && !e.path.startsWith('[') ? ` (${kind})` : ''}`;
}

/** Where the byte at `rel` (relative to the mapping's first byte) lies. */
export function placeOf(g: Geometry, rel: number): Place {
  if (rel < g.mappedEnd) {
    if (rel < g.fileEnd) return rel < g.mapLength ? { kind: 'file' } : { kind: 'slack' };
    if (rel < g.filePagesEnd) return { kind: 'tail' };
    return { kind: 'beyond-file' };
  }
  if (g.guard && rel < g.mappedEnd + pageSize()) return { kind: 'guard' };
  return { kind: 'outside', entry: findMapping(g.address + BigInt(rel)) };
}

/** A place in words, to follow "byte N is …". */
export function placeText(g: Geometry, p: Place): string {
  switch (p.kind) {
    case 'file':
      return 'inside the file and the mapping';
    case 'slack':
      return `past the ${g.mapLength} mapped bytes but still in their last page, which holds more of the file`;
    case 'tail':
      return `still inside the file's last page (bytes ${g.size % pageSize()}..${pageSize() - 1} of that page are the kernel's zero fill)`;
    case 'beyond-file':
      return `inside the mapping (${g.mapLength} bytes mapped) but past the file's last page: no file page backs it`;
    case 'guard':
      return 'past the mapped pages, in the PROT_NONE guard page --guard reserved';
    case 'outside':
      return p.entry
        ? `past the mapped pages, where another mapping lies: ${describeMapping(p.entry)}`
        : 'past the mapped pages, where nothing is mapped';
  }
}
