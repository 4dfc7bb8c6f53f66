// --read-past-end and --write-past-end: touch one byte past the end of the file and say
// where it lies (zero fill, a page no file backs, a guard page, another mapping) and what
// the access did there.
import { fstatSync } from 'node:fs';
import { probeAccess } from '@mm/core';
import type { ExperimentOutcome } from '../options.js';
import { died, statusOf, touch } from './access.js';
import { completed, type ExperimentContext } from './context.js';
import { placeOf, placeText } from './place.js';
import { byteText } from './text.js';

/** Reads or writes the byte `n` bytes past the end of the file. */
export async function pastEndStep(ctx: ExperimentContext, op: 'read' | 'write', n: number): Promise<ExperimentOutcome> {
  const { mapping: m, geometry: g, file, fd, sharing, note, explain } = ctx;
  const rel = g.fileEnd + n;
  const fileByte = g.size + n;
  const place = placeOf(g, rel);
  // A visible byte where it can only land in our own page; elsewhere store back what is there.
  const value = place.kind === 'tail' ? 0x58 : undefined;
  const r = await touch(ctx, place, op, rel, value);
  const where = `byte ${fileByte} (${n} past the end of the ${g.size}-byte file) is ${placeText(g, place)}`;
  const verb = op === 'read' ? 'reading' : 'writing';
  if (!r.ok) {
    note(`${file}: ${where}: ${verb} it: ${died(r)}`);
    return statusOf(r);
  }
  if (place.kind === 'outside') {
    note(
      `${file}: ${where}: ${verb} it silently succeeded (${op === 'read' ? `got ${byteText(r.value ?? 0)}` : 'the byte already there was stored back'}; ${r.how}) — ` +
        `a C program would carry on with another mapping's memory. --guard reserves a PROT_NONE page after the mapping so this faults for certain`,
    );
    return completed();
  }
  if (op === 'read') {
    note(`${file}: ${where}: reading it gave ${byteText(r.value ?? 0)}${place.kind === 'tail' ? ' (zero fill, no fault)' : ''}`);
    return completed();
  }
  let size = g.size;
  try {
    size = fstatSync(fd).size;
  } catch {
    // keep the size seen before
  }
  const seen = await probeAccess(m, { op: 'read', offset: rel });
  const inPage = seen.ok ? `; the page in memory now holds ${byteText(seen.value ?? 0)}` : '';
  explain(`fstat(${fd}) = ${size} bytes after the store`);
  note(
    `${file}: ${where}: writing ${byteText(value ?? 0)} there worked, no fault${sharing === 'shared' ? inPage : ' (in a private copy)'}, ` +
      `but it is never saved: the file is still ${size} bytes and the kernel writes back only bytes inside the file`,
  );
  return completed();
}
