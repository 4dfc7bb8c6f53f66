#!/usr/bin/env node
// mm-anon — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { createProgram, intArg, runCli, UsageError } from '@mm/core/cli';
import { MmError } from '@mm/core';
import { runAnon } from './run.js';
import { wakeSignal } from './anon.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

await runCli('mm-anon', async (argv) => {
  const program = createProgram({ name: 'mm-anon', version, description });
  let code = 0;
  program
    .argument('[FILE]', 'input to pass to the child (- or none: standard input)', '-')
    .option('--delay <MS>', 'milliseconds the parent "works" before writing the data', intArg('delay (milliseconds)', 0, 2 ** 31 - 1), 500)
    .option('--private', 'map MAP_PRIVATE instead of MAP_SHARED: the child sees none of the data')
    .option('--signal <NAME>', 'signal that wakes the child (SIGUSR1, USR2, 12, ...)', 'SIGUSR1')
    .option('-v, --verbose', 'narrate each step on stderr, with pids and times')
    .addHelpText(
      'after',
      `
The parent maps anonymous shared memory, forks a child that blocks the signal and waits
for it in sigwait, works for --delay ms, copies FILE into the memory (a length header
first), and sends the signal; the child writes what it finds to stdout and exits. The
parent exits with the child's status (128+N if the child died of signal N).

Examples:
  mm-anon poem.txt                 prints poem.txt, through the child
  mm-anon --verbose --delay 1000 poem.txt
  mm-anon --private poem.txt       prints nothing: the child has its own copy`,
    )
    .action(async (file: string, opts: { delay: number; private?: boolean; signal: string; verbose?: boolean }) => {
      try {
        wakeSignal(opts.signal);
      } catch (e) {
        throw new UsageError(`invalid --signal: ${e instanceof MmError ? e.message : String(e)}`);
      }
      code = await runAnon(file, { delayMs: opts.delay, sharing: opts.private ? 'private' : 'shared', signal: opts.signal, verbose: !!opts.verbose });
    });
  await program.parseAsync(argv);
  return code;
});
