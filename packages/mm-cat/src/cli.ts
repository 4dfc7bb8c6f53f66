#!/usr/bin/env node
// mm-cat — command-line wiring only; operands.ts runs each operand through the plain cat path
// (cat.ts) or the experiments (experiments/), loading the experiment code only when needed.
import { createRequire } from 'node:module';
import { createProgram, Option, runCli, sizeArg, warn } from '@mm/cli';
import { catOperands } from './operands.js';
import type { ExperimentOptions } from './options.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

const EXAMPLES = `
Regular files are mapped and written out with write(2) straight from the mapping, window by
window; pipes, terminals, devices and /proc or /sys files are read with read(2) instead.

The experiment flags run the lab's first program (map a file, print it, change it) safely:
an access that may fault is tried in a forked child first, and mm-cat reports how it ended
and exits with the status a shell shows for that crash (SIGSEGV 139, SIGBUS 135).

Examples:
  mm-cat a.txt b.bin > both           concatenate, like cat
  mm-cat --offset 1M --length 4K big  one byte range, in O(1)
  mm-cat --upcase poem.txt            print, then uppercase the file through a shared mapping
  mm-cat --private --upcase poem.txt  the same through MAP_PRIVATE: the file stays as it was
  mm-cat --prot r --upcase poem.txt   a store into a read-only mapping: SIGSEGV (exit 139)
  mm-cat --read-past-end 0 poem.txt   the byte just after the file: zero fill of its last page
  mm-cat --map-length 8K --read-past-end 4096 poem.txt   inside the mapping, past the file: SIGBUS
  mm-cat --guard --read-past-end 4096 poem.txt           past the mapping, into a guard page: SIGSEGV
  mm-cat --explain --cstring poem.txt each system call narrated; print as printf("%s") would`;

interface CliOptions extends ExperimentOptions {
  u?: boolean;
}

await runCli('mm-cat', async (argv) => {
  const group = 'Experiments (the lab\'s basic mapping, run safely):';
  const program = createProgram({ name: 'mm-cat', version, description })
    .usage('[OPTION]... [FILE]...')
    .argument('[FILE...]', 'files to print in order; none, or -, reads stdin')
    .option('--offset <n>', 'start each FILE at byte N (suffixes K M G, KiB, KB, 1e6)', sizeArg('offset'))
    .option('--length <n>', 'print at most N bytes of each FILE', sizeArg('length'))
    .option('-u', '(ignored; output is never buffered)')
    .addOption(new Option('--upcase', 'after printing, uppercase the ASCII letters through the mapping').helpGroup(group))
    .addOption(new Option('--private', 'map with MAP_PRIVATE instead of MAP_SHARED').helpGroup(group))
    .addOption(new Option('--prot <prot>', 'protection of the mapping (default rw when an experiment writes, else r)').choices(['r', 'w', 'rw', 'none']).helpGroup(group))
    .addOption(new Option('--read-past-end <n>', 'read the byte N bytes past the end of the file (0 = the first byte after it)').argParser(sizeArg('read-past-end')).helpGroup(group))
    .addOption(new Option('--write-past-end <n>', 'write the byte N bytes past the end of the file').argParser(sizeArg('write-past-end')).helpGroup(group))
    .addOption(new Option('--map-length <n>', 'map N bytes, even more than the file holds').argParser(sizeArg('map-length')).helpGroup(group))
    .addOption(new Option('--guard', 'reserve a PROT_NONE page right after the mapping').helpGroup(group))
    .addOption(new Option('--cstring', 'print like printf("%s"): up to the first NUL, and say if there was none').helpGroup(group))
    .addOption(new Option('--explain', 'narrate each step (open, fstat, mmap, write, munmap) on stderr').helpGroup(group))
    .addHelpText('after', EXAMPLES);
  program.parse(argv);
  const files = program.args;
  const opts = program.opts<CliOptions>();
  return catOperands(files, {
    ...opts,
    note: (line) => warn('mm-cat', line),
    onError: (message) => warn('mm-cat', message),
  });
});
