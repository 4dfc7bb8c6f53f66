// The lab's basic-mapping experiments, run so that a fault cannot kill this process: the file
// is mapped the way the flags say, and every access that may fault (the read that prints, the
// stores of --upcase, the byte past the end) is first tried by core's probeAccess in a forked
// child. The child's fate is reported in plain words and becomes the exit status (128+signal)
// a shell would have shown for the crashing C program.
import { closeSync, fstatSync, openSync, readSync, constants as fsConstants } from 'node:fs';
import {
  findMapping,
  isSystemError,
  openFile,
  mappingKind,
  openMapping,
  pageSize,
  probeAccess,
  processExe,
  readSmaps,
  systemError,
  type Access,
  type Mapping,
  type MapsEntry,
  type ProbeResult,
} from '@mm/core';
import { statInput, STDIN_OPERAND } from '@mm/cli';
import { OutputError, writeOutput } from './cat.js';
import type { ExperimentOptions, ExperimentOutcome } from './options.js';


const PROT_TEXT: Record<Access, string> = { r: 'PROT_READ', rw: 'PROT_READ|PROT_WRITE', w: 'PROT_WRITE', none: 'PROT_NONE' };
const SIGNAL_TEXT: Record<string, string> = { SIGSEGV: 'segmentation fault', SIGBUS: 'bus error' };

const hex = (n: bigint): string => '0x' + n.toString(16);
const byteText = (v: number): string => `0x${v.toString(16).padStart(2, '0')}${v >= 0x20 && v < 0x7f ? ` '${String.fromCharCode(v)}'` : ''}`;

/** "SIGSEGV (segmentation fault): the shell would show exit status 139". */
function died(r: ProbeResult): string {
  const what = r.signal ? `${r.signal}${SIGNAL_TEXT[r.signal] ? ` (${SIGNAL_TEXT[r.signal]})` : ''}` : `exit status ${r.code}`;
  return r.signo ? `the access dies of ${what}; the shell would show exit status ${128 + r.signo}` : `the access failed with ${what}`;
}

function statusOf(r: ProbeResult): ExperimentOutcome {
  if (r.ok) return { exitCode: 0, signal: null };
  return { exitCode: r.signo ? 128 + r.signo : 1, signal: r.signal };
}

/** One maps line in words: `7f…-7f… r-xp /usr/lib/libc.so.6 (library)`. */
export function describeMapping(e: MapsEntry): string {
  const kind = mappingKind(e, processExe());
  const name = e.path === '' ? 'anonymous memory' : e.path;
  return `${e.start.toString(16)}-${e.end.toString(16)} ${e.perms} ${name}${kind !== 'anon' && kind !== 'file' && !e.path.startsWith('[') ? ` (${kind})` : ''}`;
}

/** Where a byte at `rel` (relative to the mapping's first byte) lies, given the mapping's geometry. */
interface Geometry {
  size: number;
  offset: number;
  mapLength: number;
  fileEnd: number;
  filePagesEnd: number;
  mappedEnd: number;
  guard: boolean;
  address: bigint;
}

type Place = { kind: 'file' } | { kind: 'tail' } | { kind: 'slack' } | { kind: 'beyond-file' } | { kind: 'guard' } | { kind: 'outside'; entry: MapsEntry | undefined };

function placeOf(g: Geometry, rel: number): Place {
  if (rel < g.mappedEnd) {
    if (rel < g.fileEnd) return rel < g.mapLength ? { kind: 'file' } : { kind: 'slack' };
    if (rel < g.filePagesEnd) return { kind: 'tail' };
    return { kind: 'beyond-file' };
  }
  if (g.guard && rel < g.mappedEnd + pageSize) return { kind: 'guard' };
  return { kind: 'outside', entry: findMapping(g.address + BigInt(rel)) };
}

function placeText(g: Geometry, p: Place): string {
  switch (p.kind) {
    case 'file':
      return 'inside the file and the mapping';
    case 'slack':
      return `past the ${g.mapLength} mapped bytes but still in their last page, which holds more of the file`;
    case 'tail':
      return `still inside the file's last page (bytes ${g.size % pageSize}..${pageSize - 1} of that page are the kernel's zero fill)`;
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

/**
 * Runs the experiments on one file (`-`: stdin, if it is a regular file): maps it, prints it
 * (or as printf("%s") would), then uppercases it and touches past its end as asked. Accesses
 * that may fault run in a forked child first. Input problems throw SystemErrors; a failing
 * output throws {@link OutputError}. Returns how it ended.
 */
export async function runExperiment(name: string, o: ExperimentOptions = {}): Promise<ExperimentOutcome> {
  const note = o.note ?? (() => {});
  const explain = (line: string): void => {
    if (o.explain) note(line);
  };
  const writes = !!o.upcase || o.writePastEnd !== undefined;
  const prot: Access = o.prot ?? (writes ? 'rw' : 'r');
  const sharing = o.private ? 'private' : 'shared';
  const needWrite = sharing === 'shared' && (prot === 'rw' || prot === 'w');
  const out = o.out ?? 1;

  let fd: number;
  if (name === STDIN_OPERAND) {
    fd = 0;
    explain(`reading stdin: fd 0 is used as it is`);
  } else {
    // A FIFO is opened without blocking, then refused as not a regular file.
    const flags = (needWrite ? fsConstants.O_RDWR : fsConstants.O_RDONLY) | fsConstants.O_NONBLOCK;
    fd = openFile(name, flags);
    explain(`open("${name}", ${needWrite ? 'O_RDWR' : 'O_RDONLY'}) = ${fd}${needWrite ? ' (a shared mapping with PROT_WRITE needs a file open for writing)' : ''}`);
  }
  let mapping: Mapping | undefined;
  try {
    const st = statInput(fd, name, { syscall: 'mmap', regularFile: 'cannot be mapped (not a regular file); the experiments need a file' });
    const size = st.size;
    explain(`fstat(${fd}) = regular file, ${size} bytes`);
    const offset = o.offset ?? 0;
    if (offset > size) {
      const e = systemError(22, 'mmap', name);
      e.message = `${name}: offset ${offset} is past the end of the file (${size} bytes)`;
      throw e;
    }
    const rest = size - offset;
    const mapLength = o.mapLength ?? (o.length !== undefined ? Math.min(o.length, rest) : rest);
    if (mapLength === 0) {
      const e = systemError(22, 'mmap', name);
      e.message = `${name}: nothing to map: mmap cannot map 0 bytes${size === 0 ? ' (the file is empty; --map-length maps past its end)' : ''}`;
      throw e;
    }
    let m: Mapping;
    try {
      m = openMapping(fd, { offset, length: mapLength, access: prot, sharing, guard: !!o.guard, name });
    } catch (e) {
      // stdin comes open read-only (`< file`): a shared writable mapping of it is refused.
      if (name === '-' && isSystemError(e) && e.code === 'EACCES') e.message = `-: Permission denied (stdin is not open for writing; give the file by name)`;
      throw e;
    }
    mapping = m;
    const delta = offset % pageSize;
    const span = Math.ceil((delta + mapLength) / pageSize) * pageSize;
    const base = m.address - BigInt(delta);
    const g: Geometry = {
      size,
      offset,
      mapLength,
      fileEnd: rest,
      filePagesEnd: Math.ceil(size / pageSize) * pageSize - offset,
      mappedEnd: span - delta,
      guard: !!o.guard,
      address: m.address,
    };
    explain(
      `mmap(NULL, ${delta + mapLength}, ${PROT_TEXT[prot]}, ${sharing === 'shared' ? 'MAP_SHARED' : 'MAP_PRIVATE'}, ${fd}, ${offset - delta}) = ${hex(base)}` +
        ` (${span / pageSize} page${span === pageSize ? '' : 's'} of ${pageSize} bytes${delta ? `; the file offset ${offset} is byte ${delta} of the first page` : ''})`,
    );
    if (o.guard) explain(`guard: ${hex(base + BigInt(span))}..${hex(base + BigInt(span + pageSize))} is reserved PROT_NONE, so running off the mapped pages faults for certain`);

    const printLength = Math.min(mapLength, rest, o.length ?? Number.MAX_SAFE_INTEGER);
    const outcome = await printStep(m, g, name, prot, printLength, o, out, note, explain);
    if (outcome.exitCode !== 0) return outcome;
    if (o.upcase) {
      const r = await upcaseStep(m, prot, sharing, printLength, name, note, explain);
      if (r.exitCode !== 0) return r;
    }
    for (const [op, n] of [['read', o.readPastEnd], ['write', o.writePastEnd]] as const) {
      if (n === undefined) continue;
      const r = await pastEndStep(m, g, op, n, name, fd, sharing, note, explain);
      if (r.exitCode !== 0) return r;
    }
    return { exitCode: 0, signal: null };
  } finally {
    if (mapping) {
      explain(`munmap(${hex(mapping.address - BigInt((o.offset ?? 0) % pageSize))}, ${((o.offset ?? 0) % pageSize) + mapping.length})`);
      mapping.unmap();
    }
    if (fd !== 0) {
      closeSync(fd);
      explain(`close(${fd})`);
    }
  }
}

/** Runs a probe, narrating it. */
async function probe(m: Mapping, op: 'read' | 'write', offset: number, length: number, explain: (l: string) => void, value?: number): Promise<ProbeResult> {
  const r = await probeAccess(m, { op, offset, length, value });
  const what = `${op === 'read' ? 'reads' : 'writes'} ${length === 1 ? `byte ${offset}` : `bytes ${offset}..${offset + length - 1}`} of the mapping`;
  explain(`fork(): a child with default SIGSEGV/SIGBUS handling ${what} -> ${r.ok ? 'it completed' : r.signal ? `it died of ${r.signal}` : `it exited ${r.code}`}`);
  return r;
}

async function printStep(m: Mapping, g: Geometry, file: string, prot: Access, printLength: number, o: ExperimentOptions, out: number, note: (l: string) => void, explain: (l: string) => void): Promise<ExperimentOutcome> {
  // What printing reads: the file's bytes, or for %s everything up to a NUL that may lie in the zero fill.
  const readable = o.cstring ? Math.min(g.mapLength, g.filePagesEnd) : printLength;
  if (readable === 0) return { exitCode: 0, signal: null };
  const r = await probe(m, 'read', 0, readable, explain);
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
  if (!o.cstring) {
    writeOutput(out, m.bytes.subarray(0, printLength));
    explain(`write(${out}, ${hex(m.address)}, ${printLength}) = ${printLength}: printed straight from the mapped pages`);
    return { exitCode: 0, signal: null };
  }
  // printf("%s"): everything up to the first NUL in memory.
  const nul = m.bytes.subarray(0, readable).indexOf(0);
  m.check('being read'); // another process shrank the file since the probe: zeros, not its bytes
  const shown = nul >= 0 ? Math.min(nul, printLength) : printLength;
  writeOutput(out, m.bytes.subarray(0, shown));
  explain(`write(${out}, ${hex(m.address)}, ${shown}) = ${shown}: what printf("%s") prints`);
  if (nul >= 0 && nul < g.fileEnd) {
    note(`${file}: printf("%s") stops at the NUL at byte ${nul}${g.fileEnd - nul - 1 > 0 ? `; the ${g.fileEnd - nul - 1} bytes after it are not printed` : ''}`);
    return { exitCode: 0, signal: null };
  }
  const zeroFill = (at: number): ExperimentOutcome => {
    note(`${file}: no NUL inside the file: printf("%s") read past its end and stopped only at the kernel's zero fill of the last page (byte ${at}) — safe by luck, because ${g.size} is not a multiple of the ${pageSize}-byte page`);
    return { exitCode: 0, signal: null };
  };
  if (nul >= 0) return zeroFill(nul);
  const next = placeOf(g, readable);
  if (next.kind === 'tail') return zeroFill(readable);
  note(`${file}: no NUL inside the mapping: printf("%s") would read past it, into byte ${readable}, ${placeText(g, next)}`);
  if (next.kind === 'slack') return { exitCode: 0, signal: null };
  const r2 = await touch(m, g, next, 'read', readable, explain);
  if (r2.ok) {
    note(`${file}: that read silently succeeds (${r2.how}, it got ${byteText(r2.value ?? 0)}), so printf would go on printing whatever bytes follow, up to some NUL`);
    return { exitCode: 0, signal: null };
  }
  note(`${file}: ${died(r2)}`);
  return statusOf(r2);
}

/** A probe result, plus how the access was tried. */
type Touch = ProbeResult & { how: string };

/**
 * Tries one access at `rel`. Normally in a forked child; but a neighbouring mapping marked
 * MADV_DONTFORK (VmFlags `dc`) is missing from the child, which would fault where this process
 * would not. Then a read goes through /proc/self/mem (which never faults), and a store is
 * judged from the mapping's permissions without being made.
 */
async function touch(m: Mapping, g: Geometry, place: Place, op: 'read' | 'write', rel: number, explain: (l: string) => void, value?: number): Promise<Touch> {
  if (place.kind === 'outside' && place.entry) {
    const entry = place.entry;
    const smaps = readSmaps('self').find((e) => e.start === entry.start);
    if (smaps?.vmFlags.includes('dc')) {
      const allowed = op === 'read' ? entry.perms[0] === 'r' : entry.perms[1] === 'w';
      const how = 'that mapping is not inherited by forked children (MADV_DONTFORK), so this process answered for itself';
      if (!allowed) return { ...(await probe(m, op, rel, 1, explain, value)), how };
      let got: number | null = null;
      if (op === 'read') {
        const buf = Buffer.alloc(1);
        const fd = openSync('/proc/self/mem', 'r');
        try {
          if (readSync(fd, buf, 0, 1, g.address + BigInt(rel)) === 1) got = buf[0]!;
        } finally {
          closeSync(fd);
        }
        explain(`pread(/proc/self/mem, ${hex(g.address + BigInt(rel))}) = ${got === null ? 'nothing' : byteText(got)}: reading another mapping from outside, without any fault`);
      }
      return { pid: process.pid, code: 0, signal: null, signo: null, ok: true, value: got, how: op === 'read' ? how : `${how}; the store was not made, since it would land in this process's own memory` };
    }
  }
  return { ...(await probe(m, op, rel, 1, explain, value)), how: 'tried in a forked child' };
}

async function upcaseStep(m: Mapping, prot: Access, sharing: 'shared' | 'private', printLength: number, file: string, note: (l: string) => void, explain: (l: string) => void): Promise<ExperimentOutcome> {
  if (printLength === 0) return { exitCode: 0, signal: null };
  // Store every byte back unchanged in a child first: a read-only mapping faults there, not here.
  const r = await probe(m, 'write', 0, printLength, explain);
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
  return { exitCode: 0, signal: null };
}

async function pastEndStep(m: Mapping, g: Geometry, op: 'read' | 'write', n: number, file: string, fd: number, sharing: 'shared' | 'private', note: (l: string) => void, explain: (l: string) => void): Promise<ExperimentOutcome> {
  const rel = g.fileEnd + n;
  const fileByte = g.size + n;
  const place = placeOf(g, rel);
  // A visible byte where it can only land in our own page; elsewhere store back what is there.
  const value = place.kind === 'tail' ? 0x58 : undefined;
  const r = await touch(m, g, place, op, rel, explain, value);
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
    return { exitCode: 0, signal: null };
  }
  if (op === 'read') {
    note(`${file}: ${where}: reading it gave ${byteText(r.value ?? 0)}${place.kind === 'tail' ? ' (zero fill, no fault)' : ''}`);
    return { exitCode: 0, signal: null };
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
  return { exitCode: 0, signal: null };
}

/**
 * Runs {@link runExperiment} on each file in turn (none: stdin). An input that cannot be
 * opened or mapped is reported through `onError` and skipped (exit 1 at the end); the first
 * access that faults ends the run with its 128+signal status, as the C program would die.
 */
export async function runExperiments(names: readonly string[], o: ExperimentOptions, onError?: (message: string, error: unknown) => void): Promise<number> {
  let status = 0;
  for (const file of names.length ? names : ['-']) {
    try {
      const r = await runExperiment(file, o);
      if (r.exitCode !== 0) return r.exitCode;
    } catch (e) {
      if (e instanceof OutputError) throw e.cause;
      if (!isSystemError(e)) throw e;
      status = 1;
      onError?.(e.message, e);
    }
  }
  return status;
}
