/**
 * Which processes have shm objects mapped ("attached", as `ipcs -m` counts them) or open,
 * found in one pass over /proc through core's findHolders.
 */
import { findHolders, shmTarget, type Holder } from '@mm/core';

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
