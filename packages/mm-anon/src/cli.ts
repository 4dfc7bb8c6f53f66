#!/usr/bin/env node
// mm-anon — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { createProgram, intArg, Option, runCli, sizeArg, UsageError } from '@mm/cli';
import { MmError } from '@mm/core';
import { runAnon } from './run.js';
import { wakeSignal } from './anon.js';
import { RING_MAX_SLOTS } from '@mm/core';

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
    // The ring's shape, for tests of chunk boundaries; not part of the documented interface.
    .addOption(new Option('--slot-size <BYTES>', 'bytes per slot of the ring').argParser(sizeArg('slot size')).hideHelp())
    .addOption(new Option('--slots <N>', 'slots in the ring').argParser(intArg('slots', 1, RING_MAX_SLOTS)).hideHelp())
    .addHelpText(
      'after',
      `
The parent maps a small ring of anonymous shared memory, forks a child that blocks the
signal and waits for it in sigwait, works for --delay ms, puts the first chunk of FILE in
the ring and sends the signal; the child writes it to stdout. Every later chunk is handed
over through the ring's shared memory itself (no signal, no pipe), so inputs of any size
stream through the same few MiB. The parent exits with the child's status (128+N if the
child died of signal N).

Examples:
  mm-anon poem.txt                 prints poem.txt, through the child
  mm-anon --verbose --delay 1000 poem.txt
  mm-anon --private poem.txt       prints nothing: the child has its own copy`,
    )
    .action(async (file: string, opts: { delay: number; private?: boolean; signal: string; verbose?: boolean; slotSize?: number; slots?: number }) => {
      try {
        wakeSignal(opts.signal);
      } catch (e) {
        throw new UsageError(`invalid --signal: ${e instanceof MmError ? e.message : String(e)}`);
      }
      code = await runAnon(file, { delayMs: opts.delay, sharing: opts.private ? 'private' : 'shared', signal: opts.signal, verbose: !!opts.verbose, slotSize: opts.slotSize, slots: opts.slots });
    });
  await program.parseAsync(argv);
  return code;
});
