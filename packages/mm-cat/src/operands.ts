// The one loop over mm-cat's operands, with cat's rules: no operand means stdin and `-` is
// stdin; an input that fails is reported and skipped, and the run ends with 1; a failing
// output ends the run at once; an experiment whose access dies ends it with that status
// (128+N), as the crashing C program would. For each operand the loop runs either the plain
// cat path or an experiment; the experiment code is loaded only when an operand needs it,
// so plain `mm-cat FILE` never loads it.
import { isSystemError } from '@mm/core';
import { STDIN_OPERAND } from '@mm/cli';
import { catFile, type CatOptions } from './cat.js';
import { wantsExperiment, type ExperimentOptions } from './options.js';
import { forgetOutput, OutputError } from './output.js';

/** What one operand came to: 0, or the status that ends the run (128+N). */
export type OperandStep = (name: string) => number | Promise<number>;

/** Receives a ready-to-print message (`NAME: reason`) for each operand that failed. */
export type OnError = (message: string, error: unknown) => void;

/**
 * Runs `step` on each of `names` in turn (none: stdin), with cat's rules: a SystemError
 * from an operand goes to `onError` and the run goes on, ending with 1; an
 * {@link OutputError} is thrown as its cause; a step's non-zero status ends the run with it.
 * Stays synchronous as long as the steps are; once a step returns a promise, so does this.
 */
export function forEachOperand(names: readonly string[], step: (name: string) => number, onError?: OnError): number;
export function forEachOperand(names: readonly string[], step: OperandStep, onError?: OnError): number | Promise<number>;
export function forEachOperand(names: readonly string[], step: OperandStep, onError?: OnError): number | Promise<number> {
  const list = names.length ? names : [STDIN_OPERAND];
  const failed = (e: unknown): void => {
    if (e instanceof OutputError) throw e.cause;
    if (!isSystemError(e)) throw e;
    onError?.(e.message, e);
  };
  const from = (first: number, status: number): number | Promise<number> => {
    for (let i = first; i < list.length; i++) {
      let code: number | Promise<number>;
      try {
        code = step(list[i]);
      } catch (e) {
        failed(e);
        status = 1;
        continue;
      }
      if (typeof code !== 'number') {
        const next = i + 1;
        const sofar = status;
        return code.then(
          (c) => (c !== 0 ? c : from(next, sofar)),
          (e: unknown) => {
            failed(e);
            return from(next, 1);
          },
        );
      }
      if (code !== 0) return code;
    }
    return status;
  };
  return from(0, 0);
}

/** Runs the experiments on one operand, loading their code on first use. */
async function experiment(name: string, options: ExperimentOptions): Promise<number> {
  const { runExperiment } = await import('./experiments/run.js');
  return (await runExperiment(name, options)).exitCode;
}

/** Options of {@link catOperands}: the plain cat options and the experiment flags. */
export interface MmCatOptions extends CatOptions, ExperimentOptions {}

/**
 * What the mm-cat command does with its operands: each one is printed by the plain cat path,
 * or, when an experiment flag is set, run through the experiments. Returns 0, 1 if an input
 * failed, or the 128+N status of an access that died; a failing output throws.
 */
export function catOperands(names: readonly string[], options: MmCatOptions): number | Promise<number> {
  forgetOutput();
  const runsExperiment = wantsExperiment(options);
  return forEachOperand(names, (name) => (runsExperiment ? experiment(name, options) : plain(name, options)), options.onError);
}

function plain(name: string, options: CatOptions): number {
  catFile(name, options);
  return 0;
}

/**
 * Concatenates `names` (none: stdin) to the output like `cat`: an input that fails is
 * reported through `onError` and skipped; a failing output ends the run by throwing.
 * Returns 0, or 1 if any input failed.
 */
export function catFiles(names: readonly string[], options: CatOptions = {}): number {
  forgetOutput();
  return forEachOperand(names, (name) => plain(name, options), options.onError);
}

/**
 * Runs the experiments on each file in turn (none: stdin). An input that cannot be opened
 * or mapped is reported through `onError` and skipped (exit 1 at the end); the first access
 * that faults ends the run with its 128+signal status, as the C program would die.
 */
export async function runExperiments(names: readonly string[], o: ExperimentOptions, onError?: OnError): Promise<number> {
  return forEachOperand(names, (name) => experiment(name, o), onError);
}
