// --upcase: uppercase the printed bytes in place through the mapping, after a forked child
// has shown that storing into it does not fault.
import type { ExperimentOutcome } from '../options.js';
import { died, probe, statusOf } from './access.js';
import { completed, type ExperimentContext } from './context.js';

/** Uppercases the ASCII letters among the printed bytes, through the mapping. */
export async function upcaseStep(ctx: ExperimentContext): Promise<ExperimentOutcome> {
  const { mapping: m, file, prot, sharing, printLength, note, explain } = ctx;
  if (printLength === 0) return completed();
  // Store every byte back unchanged in a child first: a read-only mapping faults there, not here.
  const r = await probe(ctx, 'write', 0, printLength);
  if (!r.ok) {
    const why = prot === 'r' ? 'the mapping is PROT_READ only, so a store into it is a protection fault' : prot === 'none' ? 'PROT_NONE allows no access' : 'the store was refused';
    note(`${file}: --upcase writes through the mapping: ${why}; ${died(r)}`);
    return statusOf(r);
  }
  const bytes = m.bytes;
  let letters = 0;
  for (let i = 0; i < printLength; i++) {
    const c = bytes[i];
    if (c >= 0x61 && c <= 0x7a) {
      bytes[i] = c - 0x20;
      letters++;
    }
  }
  m.check('being written');
  if (sharing === 'private') {
    note(`${file}: uppercased ${letters} letters in a private (copy-on-write) mapping: only this process saw them; the file on disk is unchanged`);
  } else {
    explain(`uppercased ${letters} letters in place: the mapping is MAP_SHARED, so the stores land in the page cache, which is the file`);
  }
  return completed();
}
