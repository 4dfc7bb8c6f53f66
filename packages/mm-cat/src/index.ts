/** Library API of mm-cat (importable without spawning the CLI). */
export { catFiles, catFile, catFd, choosePath, isPseudoFile, writeOutput, OutputError } from './cat.js';
export type { CatOptions, CatPath, CatFileResult } from './cat.js';
export { runExperiment, runExperiments, describeMapping } from './experiments.js';
export { wantsExperiment } from './options.js';
export type { ExperimentOptions, ExperimentOutcome } from './options.js';
