// What every experiment step works on: one object holding the mapped file, where its bytes
// lie, how it was mapped, and where messages go.
import type { Access, Mapping } from '@mm/core';
import type { ExperimentOptions, ExperimentOutcome } from '../options.js';

/** Where the mapped file's bytes lie, in bytes relative to the mapping's first byte. */
export interface Geometry {
  /** The file's size when it was mapped. */
  size: number;
  /** File offset of the mapping's first byte. */
  offset: number;
  /** Bytes mapped (may exceed the file). */
  mapLength: number;
  /** Where the file ends. */
  fileEnd: number;
  /** Where the file's last page ends (the kernel's zero fill lies between fileEnd and this). */
  filePagesEnd: number;
  /** Where the mapped pages end. */
  mappedEnd: number;
  /** Whether a PROT_NONE guard page follows the mapped pages. */
  guard: boolean;
  /** Address of the mapping's first byte. */
  address: bigint;
}

/** One experiment run on one file: what each step needs. */
export interface ExperimentContext {
  /** The file's name as the user gave it (`-` for stdin), used in messages. */
  file: string;
  /** The file's descriptor. */
  fd: number;
  mapping: Mapping;
  geometry: Geometry;
  /** Protection the file was mapped with. */
  prot: Access;
  sharing: 'shared' | 'private';
  /** Bytes to print (and to uppercase). */
  printLength: number;
  /** Output descriptor. */
  out: number;
  /** The flags of the run. */
  options: ExperimentOptions;
  /** Says something the user should read (stderr). */
  note: (line: string) => void;
  /** Narrates a step, only with --explain. */
  explain: (line: string) => void;
}

/** The outcome of a step that went through without a fault (a fresh object each time). */
export const completed = (): ExperimentOutcome => ({ exitCode: 0, signal: null });
