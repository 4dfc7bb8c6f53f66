import { codeFiles, mappingKind, type MappingKind, type MapsEntry } from '@mm/core';

/** Every kind a mapping can have, in the order `--kind` lists them. */
export const MAPPING_KINDS: readonly MappingKind[] = ['program', 'library', 'file', 'deleted', 'heap', 'stack', 'anon', 'shm', 'vdso', 'vvar', 'vsyscall', 'other'];

/** The rows of `--summary`, in print order. */
export const SUMMARY_GROUPS = ['program', 'libraries', 'heap', 'stack', 'anonymous', 'file-backed', 'shared-memory', 'vdso/vvar', 'other'] as const;

/** One row of `--summary`. */
export type SummaryGroup = (typeof SUMMARY_GROUPS)[number];

const DELETED = ' (deleted)';

/**
 * What a mapping is: core's `mappingKind`, which also knows shared anonymous memory,
 * memfd and hugetlb objects, every `[vvar…]` variant, a replaced program file and — given
 * `codeFiles` from {@link codeFiles} — code files not named `.so` (a Node addon).
 *
 * `exe` is the process's executable as `/proc/PID/exe` names it.
 */
export function classifyMapping(e: MapsEntry, exe?: string, code?: ReadonlySet<string>): MappingKind {
  return mappingKind(e, exe, code);
}

export { codeFiles };

/**
 * The executable's path when `/proc/PID/exe` cannot be read (another user's process):
 * the file mapped at offset 0 lowest in the address space that is not a shared library.
 */
export function guessExecutable(entries: readonly MapsEntry[]): string | undefined {
  for (const e of entries) {
    if (e.inode === 0 || !e.path.startsWith('/')) continue;
    const base = e.path.slice(e.path.lastIndexOf('/') + 1);
    if (/\.so(\.|$)/.test(base)) continue;
    return e.offset === 0 ? e.path : undefined;
  }
  return undefined;
}

/** The `--summary` row a kind adds to. */
export function summaryGroup(kind: MappingKind): SummaryGroup {
  switch (kind) {
    case 'program':
      return 'program';
    case 'library':
      return 'libraries';
    case 'heap':
      return 'heap';
    case 'stack':
      return 'stack';
    case 'anon':
      return 'anonymous';
    case 'file':
    case 'deleted':
      return 'file-backed';
    case 'shm':
      return 'shared-memory';
    case 'vdso':
    case 'vvar':
    case 'vsyscall':
      return 'vdso/vvar';
    default:
      return 'other';
  }
}

/** The name shown in the last column: the path, ` (deleted)` as the kernel writes it, or `[anon]`. */
export function displayName(e: MapsEntry): string {
  if (e.path === '') return '[anon]';
  return e.deleted ? e.path + DELETED : e.path;
}
