/** Library API of mm-cat (importable without spawning the CLI). */
export { catFile, catFd, choosePath, isPseudoFile } from './cat.js';
export type { CatOptions, CatPath, CatFileResult } from './cat.js';
export { catOperands, catFiles, runExperiments, forEachOperand } from './operands.js';
export type { MmCatOptions, OperandStep, OnError } from './operands.js';
export { writeOutput, OutputError } from './output.js';
export { runExperiment } from './experiments/run.js';
export { describeMapping } from './experiments/place.js';
export { wantsExperiment } from './options.js';
export type { ExperimentOptions, ExperimentOutcome } from './options.js';
