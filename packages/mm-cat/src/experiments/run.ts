// The lab's basic-mapping experiments on one file, run so that a fault cannot kill this
// process: the file is opened and checked like any mm-cat input, mapped the way the flags say,
// and then the steps run in the lab's order (print, --upcase, the bytes past the end). Every
// access that may fault is first tried in a forked child (access.ts); the child's fate is
// reported in plain words and becomes the exit status (128+signal) a shell would have shown.
import { constants as fsConstants } from 'node:fs';
import { isSystemError, openMapping, pageSize, systemError, type Access, type Mapping } from '@mm/core';
import { closeInput, STDIN_OPERAND, type Input } from '@mm/cli';
import { openOperand } from '../input.js';
import type { ExperimentOptions, ExperimentOutcome } from '../options.js';
import { completed, type ExperimentContext, type Geometry } from './context.js';
import { pastEndStep } from './past-end.js';
import { printStep } from './print.js';
import { hex } from './text.js';
import { upcaseStep } from './upcase.js';

const PROT_TEXT: Record<Access, string> = { r: 'PROT_READ', rw: 'PROT_READ|PROT_WRITE', w: 'PROT_WRITE', none: 'PROT_NONE' };

/**
 * Runs the experiments on one file (`-`: stdin, if it is a regular file): maps it, prints it
 * (or as printf("%s") would), then uppercases it and touches past its end as asked. Accesses
 * that may fault run in a forked child first. Input problems throw SystemErrors; a failing
 * output throws an OutputError. Returns how it ended.
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

  const input = openOperand(name, {
    // A FIFO is opened without blocking, then refused as not a regular file.
    flags: (needWrite ? fsConstants.O_RDWR : fsConstants.O_RDONLY) | fsConstants.O_NONBLOCK,
    syscall: 'mmap',
    regularFile: 'cannot be mapped (not a regular file); the experiments need a file',
    opened: (fd) =>
      explain(
        name === STDIN_OPERAND
          ? `reading stdin: fd 0 is used as it is`
          : `open("${name}", ${needWrite ? 'O_RDWR' : 'O_RDONLY'}) = ${fd}${needWrite ? ' (a shared mapping with PROT_WRITE needs a file open for writing)' : ''}`,
      ),
    closed: (fd) => explain(`close(${fd})`),
  });
  const fd = input.fd;
  const setup: Setup = { input, prot, sharing, options: o, note, explain };
  let mapping: Mapping | undefined;
  try {
    explain(`fstat(${fd}) = regular file, ${input.stat.size} bytes`);
    const mapLength = mapLengthOf(setup);
    mapping = mapFile(setup, mapLength);
    const ctx = contextOf(setup, mapping, mapLength);
    const outcome = await printStep(ctx);
    if (outcome.exitCode !== 0) return outcome;
    if (o.upcase) {
      const r = await upcaseStep(ctx);
      if (r.exitCode !== 0) return r;
    }
    for (const [op, n] of [['read', o.readPastEnd], ['write', o.writePastEnd]] as const) {
      if (n === undefined) continue;
      const r = await pastEndStep(ctx, op, n);
      if (r.exitCode !== 0) return r;
    }
    return completed();
  } finally {
    if (mapping) {
      const delta = (o.offset ?? 0) % pageSize();
      explain(`munmap(${hex(mapping.address - BigInt(delta))}, ${delta + mapping.length})`);
      mapping.unmap();
    }
    if (input.owned) {
      closeInput(input);
      explain(`close(${fd})`);
    }
  }
}

/** What the context is built from: the checked input, how to map it, and the flags. */
interface Setup {
  input: Input;
  prot: Access;
  sharing: 'shared' | 'private';
  options: ExperimentOptions;
  note: (line: string) => void;
  explain: (line: string) => void;
}

/**
 * Bytes to map from `offset` (any byte): `--map-length`, or what `--length` leaves of the
 * file. Refuses an offset past the end and a mapping of 0 bytes.
 */
function mapLengthOf({ input, options: o }: Setup): number {
  const { name } = input;
  const size = input.stat.size;
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
  return mapLength;
}

/** Maps `mapLength` bytes of the file from `--offset`, the way the flags say. */
function mapFile({ input, prot, sharing, options: o }: Setup, mapLength: number): Mapping {
  const { name, fd } = input;
  try {
    return openMapping(fd, { offset: o.offset ?? 0, length: mapLength, access: prot, sharing, guard: !!o.guard, name });
  } catch (e) {
    // stdin comes open read-only (`< file`): a shared writable mapping of it is refused.
    if (name === STDIN_OPERAND && isSystemError(e) && e.code === 'EACCES') e.message = `-: Permission denied (stdin is not open for writing; give the file by name)`;
    throw e;
  }
}

/** The context the steps share; narrates the mmap (and the guard page) it describes. */
function contextOf(setup: Setup, m: Mapping, mapLength: number): ExperimentContext {
  const { input, prot, sharing, options: o, explain } = setup;
  const { fd } = input;
  const size = input.stat.size;
  const offset = o.offset ?? 0;
  const rest = size - offset;
  const page = pageSize();
  const delta = offset % page;
  const span = Math.ceil((delta + mapLength) / page) * page;
  const base = m.address - BigInt(delta);
  const geometry: Geometry = {
    size,
    offset,
    mapLength,
    fileEnd: rest,
    filePagesEnd: Math.ceil(size / page) * page - offset,
    mappedEnd: span - delta,
    guard: !!o.guard,
    address: m.address,
  };
  explain(
    `mmap(NULL, ${delta + mapLength}, ${PROT_TEXT[prot]}, ${sharing === 'shared' ? 'MAP_SHARED' : 'MAP_PRIVATE'}, ${fd}, ${offset - delta}) = ${hex(base)}` +
      ` (${span / page} page${span === page ? '' : 's'} of ${page} bytes${delta ? `; the file offset ${offset} is byte ${delta} of the first page` : ''})`,
  );
  if (o.guard) explain(`guard: ${hex(base + BigInt(span))}..${hex(base + BigInt(span + page))} is reserved PROT_NONE, so running off the mapped pages faults for certain`);
  return {
    file: input.name,
    fd,
    mapping: m,
    geometry,
    prot,
    sharing,
    printLength: Math.min(mapLength, rest, o.length ?? Number.MAX_SAFE_INTEGER),
    out: o.out ?? 1,
    options: o,
    note: setup.note,
    explain,
  };
}
