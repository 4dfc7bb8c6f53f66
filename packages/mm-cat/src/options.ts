// The experiment flags, kept apart from their implementation so the loop over the operands
// (operands.ts) can tell whether it needs the experiment code at all before loading it.
import type { Access } from '@mm/core';

/** The experiment flags of mm-cat; any of them switches from plain cat to an experiment run. */
export interface ExperimentOptions {
  /** After printing, uppercase the ASCII letters in place through the mapping. */
  upcase?: boolean;
  /** MAP_PRIVATE instead of MAP_SHARED. */
  private?: boolean;
  /** Protection of the mapping. Default `rw` when an experiment writes, else `r`. */
  prot?: Access;
  /** Read the byte this many bytes past the end of the file (0: the first byte after it). */
  readPastEnd?: number;
  /** Write the byte this many bytes past the end of the file. */
  writePastEnd?: number;
  /** Bytes to map (may exceed the file). Default: the file from `offset`. */
  mapLength?: number;
  /** Reserve a PROT_NONE page right after the mapping. */
  guard?: boolean;
  /** Print like printf("%s"): up to the first NUL. */
  cstring?: boolean;
  /** Narrate each system call on the note channel. */
  explain?: boolean;
  /** File offset where the mapping starts (any byte). Default 0. */
  offset?: number;
  /** Most bytes to print. Default: all of the file that is mapped. */
  length?: number;
  /** Output descriptor. Default 1. */
  out?: number;
  /** Receives each line meant for stderr (notes and narration), without a program-name prefix. */
  note?: (line: string) => void;
}

/** How one experiment run ended. */
export interface ExperimentOutcome {
  /** 0, or 128+N when an access died of signal N (139 SIGSEGV, 135 SIGBUS). */
  exitCode: number;
  /** The signal an access died of, if any. */
  signal: string | null;
}

/** True when any experiment flag is set (so mm-cat must not take the plain cat path). */
export function wantsExperiment(o: ExperimentOptions): boolean {
  return !!(o.upcase || o.private || o.prot !== undefined || o.readPastEnd !== undefined || o.writePastEnd !== undefined || o.mapLength !== undefined || o.guard || o.cstring || o.explain);
}
