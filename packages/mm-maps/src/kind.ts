import { mappingKind, type MappingKind, type MapsEntry } from '@mm/core';

/** Every kind a mapping can have, in the order `--kind` lists them. */
export const KINDS: readonly MappingKind[] = ['program', 'library', 'file', 'deleted', 'heap', 'stack', 'anon', 'shm', 'vdso', 'vvar', 'vsyscall', 'other'];

/** The rows of `--summary`, in print order. */
export const SUMMARY_GROUPS = ['program', 'libraries', 'heap', 'stack', 'anonymous', 'file-backed', 'shared-memory', 'vdso/vvar', 'other'] as const;

/** One row of `--summary`. */
export type SummaryGroup = (typeof SUMMARY_GROUPS)[number];

const DELETED = ' (deleted)';

/**
 * What a mapping is. Builds on `mappingKind` from `@mm/core` and corrects the cases it
 * gets wrong:
 * - shared anonymous memory (`/dev/zero (deleted)`, `[anon_shmem:NAME]`), memfd objects
 *   (`/memfd:NAME (deleted)`) and shared hugetlb memory are shared memory (`shm`), not a
 *   deleted file or private anonymous memory;
 * - private hugetlb memory (`/anon_hugepage (deleted)`) is anonymous memory;
 * - every `[vvar…]` variant (`[vvar]`, `[vvar_vclock]`, …) is `vvar`;
 * - the program's own code is `program` even when its file was replaced or removed
 *   (`/proc/PID/exe` then reads `PATH (deleted)`);
 * - a file the process runs code from is a `library` whatever its name (a Node addon
 *   `x.node`, a plugin without `.so`): pass `codeFiles` from {@link codeFiles}.
 *
 * `exe` is the process's executable as `/proc/PID/exe` names it.
 */
export function classifyMapping(e: MapsEntry, exe?: string, codeFiles?: ReadonlySet<string>): MappingKind {
  const p = e.path;
  const shared = e.perms[3] === 's';
  if (p.startsWith('[vvar')) return 'vvar';
  if (p.startsWith('[anon_shmem:')) return 'shm';
  if (e.deleted) {
    if (p === '/dev/zero' || p.startsWith('/memfd:')) return 'shm';
    if (p === '/anon_hugepage') return shared ? 'shm' : 'anon';
  }
  if (exe !== undefined && e.inode !== 0) {
    const program = exe.endsWith(DELETED) ? exe.slice(0, -DELETED.length) : exe;
    if (p === program) return 'program';
  }
  const kind = mappingKind(e, exe);
  if (kind === 'file' && codeFiles?.has(fileKey(e))) return 'library';
  return kind;
}

function fileKey(e: MapsEntry): string {
  return `${e.device} ${e.inode}`;
}

/** The files (device and inode) that some executable, private mapping runs code from. */
export function codeFiles(entries: readonly MapsEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) if (e.inode !== 0 && e.perms[2] === 'x' && e.perms[3] === 'p') out.add(fileKey(e));
  return out;
}

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
