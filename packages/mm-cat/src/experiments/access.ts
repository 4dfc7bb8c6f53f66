// Trying an access that may fault without risking this process: in a forked child (core's
// probeAccess), narrated; and how the child's fate is told and becomes an exit status.
import { closeSync, openSync, readSync } from 'node:fs';
import { probeAccess, readSmaps, type ProbeResult } from '@mm/core';
import type { ExperimentOutcome } from '../options.js';
import { completed, type ExperimentContext } from './context.js';
import type { Place } from './place.js';
import { byteText, hex } from './text.js';

const SIGNAL_TEXT: Record<string, string> = { SIGSEGV: 'segmentation fault', SIGBUS: 'bus error' };

/** "the access dies of SIGSEGV (segmentation fault); the shell would show exit status 139". */
export function died(r: ProbeResult): string {
  const what = r.signal ? `${r.signal}${SIGNAL_TEXT[r.signal] ? ` (${SIGNAL_TEXT[r.signal]})` : ''}` : `exit status ${r.code}`;
  return r.signo ? `the access dies of ${what}; the shell would show exit status ${128 + r.signo}` : `the access failed with ${what}`;
}

/** The outcome a probe stands for: 128+N when the access died of signal N. */
export function statusOf(r: ProbeResult): ExperimentOutcome {
  if (r.ok) return completed();
  return { exitCode: r.signo ? 128 + r.signo : 1, signal: r.signal };
}

/** Tries `length` bytes at `offset` of the mapping in a forked child, narrating it. */
export async function probe(ctx: ExperimentContext, op: 'read' | 'write', offset: number, length: number, value?: number): Promise<ProbeResult> {
  const r = await probeAccess(ctx.mapping, { op, offset, length, value });
  const what = `${op === 'read' ? 'reads' : 'writes'} ${length === 1 ? `byte ${offset}` : `bytes ${offset}..${offset + length - 1}`} of the mapping`;
  ctx.explain(`fork(): a child with default SIGSEGV/SIGBUS handling ${what} -> ${r.ok ? 'it completed' : r.signal ? `it died of ${r.signal}` : `it exited ${r.code}`}`);
  return r;
}

/** A probe result, plus how the access was tried. */
export type Touch = ProbeResult & { how: string };

/**
 * Tries one access at `rel`. Normally in a forked child; but a neighbouring mapping marked
 * MADV_DONTFORK (VmFlags `dc`) is missing from the child, which would fault where this process
 * would not. Then a read goes through /proc/self/mem (which never faults), and a store is
 * judged from the mapping's permissions without being made.
 */
export async function touch(ctx: ExperimentContext, place: Place, op: 'read' | 'write', rel: number, value?: number): Promise<Touch> {
  if (place.kind === 'outside' && place.entry) {
    const entry = place.entry;
    const smaps = readSmaps('self').find((e) => e.start === entry.start);
    if (smaps?.vmFlags.includes('dc')) {
      const allowed = op === 'read' ? entry.perms[0] === 'r' : entry.perms[1] === 'w';
      const how = 'that mapping is not inherited by forked children (MADV_DONTFORK), so this process answered for itself';
      if (!allowed) return { ...(await probe(ctx, op, rel, 1, value)), how };
      let got: number | null = null;
      if (op === 'read') {
        const at = ctx.geometry.address + BigInt(rel);
        const buf = Buffer.alloc(1);
        const fd = openSync('/proc/self/mem', 'r');
        try {
          if (readSync(fd, buf, 0, 1, at) === 1) got = buf[0]!;
        } finally {
          closeSync(fd);
        }
        ctx.explain(`pread(/proc/self/mem, ${hex(at)}) = ${got === null ? 'nothing' : byteText(got)}: reading another mapping from outside, without any fault`);
      }
      return { pid: process.pid, code: 0, signal: null, signo: null, ok: true, value: got, how: op === 'read' ? how : `${how}; the store was not made, since it would land in this process's own memory` };
    }
  }
  return { ...(await probe(ctx, op, rel, 1, value)), how: 'tried in a forked child' };
}
