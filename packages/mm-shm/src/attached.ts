/**
 * Which processes have shm objects mapped ("attached", as `ipcs -m` counts them) or open,
 * found in one pass over /proc through core's findHolders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { findHolders, parseMapsLine, shmTarget, type Holder } from '@mm/core';

/** The processes of one object: those that map it, and those that only hold it open. */
export interface Attachments {
  /** Processes with at least one mapping of the object, by pid. */
  attached: Holder[];
  /** Processes with a descriptor on it but no mapping, by pid. */
  openOnly: Holder[];
}

/** Attachments of each name, plus how many processes /proc would not show (another user's, as non-root). */
export interface AttachmentScan {
  byName: Map<string, Attachments>;
  processes: number;
  unreadable: number;
}

/** Looks up every process's mappings and descriptors once, for all `names` (bare object names). */
export function attachments(names: readonly string[]): AttachmentScan {
  const scan = findHolders(names.map((n) => shmTarget(n)), { resident: true });
  const byName = new Map<string, Attachments>();
  names.forEach((n, i) => {
    const holders = scan.holders[i];
    byName.set(n, { attached: holders.filter((h) => h.mappings.length > 0), openOnly: holders.filter((h) => h.mappings.length === 0) });
  });
  return { byName, processes: scan.processes, unreadable: scan.unreadable };
}

/**
 * Who maps each of `names` (bare object names), for `ls`'s NATTCH: one read of every
 * /proc/PID/maps and nothing more — no descriptors, comm or resident bytes, which
 * {@link attachments} also finds for `stat` at several times the cost. Each holder has its
 * pid and mappings only (`openOnly` is always empty). With no names there is nothing to
 * look for, and /proc is not read at all.
 */
export function mappingAttachments(names: readonly string[]): AttachmentScan {
  const byName = new Map<string, Attachments>(names.map((n) => [n, { attached: [], openOnly: [] }]));
  if (names.length === 0) return { byName, processes: 0, unreadable: 0 };
  const targets = names.map((n) => shmTarget(n));
  const byKey = new Map<string, number[]>();
  const byPath = new Map<string, number[]>();
  const add = <K>(m: Map<K, number[]>, k: K, i: number): void => void m.set(k, [...(m.get(k) ?? []), i]);
  targets.forEach((t, i) => {
    if (t.inode !== undefined) add(byKey, `${t.device} ${t.inode}`, i);
    add(byPath, t.path, i);
  });
  // A maps line of one of the objects holds its device (all of /dev/shm is one) or its path.
  const needles = [...new Set(targets.flatMap((t) => (t.device !== undefined ? [` ${t.device} `, t.path] : [t.path])))];
  let processes = 0;
  let unreadable = 0;
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/maps`, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') {
        processes++;
        unreadable++;
      }
      continue;
    }
    processes++;
    if (!needles.some((n) => text.includes(n))) continue;
    const found = new Map<number, Holder>();
    for (const line of text.split('\n')) {
      if (!needles.some((n) => line.includes(n))) continue;
      const e = parseMapsLine(line);
      if (!e) continue;
      for (const i of new Set([...(byKey.get(`${e.device} ${e.inode}`) ?? []), ...(byPath.get(e.path) ?? [])])) {
        let h = found.get(i);
        if (!h) found.set(i, (h = { pid: Number(entry), command: '', mappings: [], fds: [], mapped: 0 }));
        h.mappings.push({ start: e.start, end: e.end, size: e.size, perms: e.perms, offset: e.offset, deleted: e.deleted });
        h.mapped += e.size;
      }
    }
    for (const [i, h] of found) byName.get(names[i])!.attached.push(h);
  }
  for (const a of byName.values()) a.attached.sort((x, y) => x.pid - y.pid);
  return { byName, processes, unreadable };
}
