// The first step: print the mapped file (or print it as printf("%s") would, which may read
// past its end), after a forked child has shown that reading it does not fault.
import { pageSize } from '@mm/core';
import type { ExperimentOutcome } from '../options.js';
import { writeOutput } from '../output.js';
import { died, probe, statusOf, touch } from './access.js';
import { completed, type ExperimentContext } from './context.js';
import { placeOf, placeText } from './place.js';
import { byteText, hex } from './text.js';

/** Prints the mapped file to the output; with --cstring up to the first NUL, wherever it is. */
export async function printStep(ctx: ExperimentContext): Promise<ExperimentOutcome> {
  const { mapping: m, geometry: g, file, prot, printLength, out, note, explain } = ctx;
  const cstring = !!ctx.options.cstring;
  // What printing reads: the file's bytes, or for %s everything up to a NUL that may lie in the zero fill.
  const readable = cstring ? Math.min(g.mapLength, g.filePagesEnd) : printLength;
  if (readable === 0) return completed();
  const r = await probe(ctx, 'read', 0, readable);
  if (!r.ok) {
    const why =
      prot === 'none'
        ? 'PROT_NONE allows no access at all, not even a read'
        : prot === 'w'
          ? 'this hardware does not let PROT_WRITE alone read'
          : 'the page could not be read';
    note(`${file}: reading the mapping to print it: ${why}; ${died(r)}`);
    return statusOf(r);
  }
  if (prot === 'w') {
    note(`${file}: PROT_WRITE alone, yet reading worked: on ${process.arch} the hardware makes every writable page readable too`);
  }
  if (!cstring) {
    writeOutput(out, m.bytes.subarray(0, printLength));
    explain(`write(${out}, ${hex(m.address)}, ${printLength}) = ${printLength}: printed straight from the mapped pages`);
    return completed();
  }
  // printf("%s"): everything up to the first NUL in memory.
  const nul = m.bytes.subarray(0, readable).indexOf(0);
  m.check('being read'); // another process shrank the file since the probe: zeros, not its bytes
  const shown = nul >= 0 ? Math.min(nul, printLength) : printLength;
  writeOutput(out, m.bytes.subarray(0, shown));
  explain(`write(${out}, ${hex(m.address)}, ${shown}) = ${shown}: what printf("%s") prints`);
  if (nul >= 0 && nul < g.fileEnd) {
    note(`${file}: printf("%s") stops at the NUL at byte ${nul}${g.fileEnd - nul - 1 > 0 ? `; the ${g.fileEnd - nul - 1} bytes after it are not printed` : ''}`);
    return completed();
  }
  const zeroFill = (at: number): ExperimentOutcome => {
    note(`${file}: no NUL inside the file: printf("%s") read past its end and stopped only at the kernel's zero fill of the last page (byte ${at}) — safe by luck, because ${g.size} is not a multiple of the ${pageSize()}-byte page`);
    return completed();
  };
  if (nul >= 0) return zeroFill(nul);
  const next = placeOf(g, readable);
  if (next.kind === 'tail') return zeroFill(readable);
  note(`${file}: no NUL inside the mapping: printf("%s") would read past it, into byte ${readable}, ${placeText(g, next)}`);
  if (next.kind === 'slack') return completed();
  const r2 = await touch(ctx, next, 'read', readable);
  if (r2.ok) {
    note(`${file}: that read silently succeeds (${r2.how}, it got ${byteText(r2.value ?? 0)}), so printf would go on printing whatever bytes follow, up to some NUL`);
    return completed();
  }
  note(`${file}: ${died(r2)}`);
  return statusOf(r2);
}
