#!/usr/bin/env node
// mm-counter — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { InvalidArgumentError, Option, countArg, createProgram, runCli } from '@mm/cli';
import { parseCounterValue } from './counter.js';
import { runCounter } from './run.js';
import type { CounterCliOptions } from './run.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

function valueArg(what: string): (text: string) => bigint {
  return (text) => {
    try {
      return parseCounterValue(text, what);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

await runCli('mm-counter', async (argv) => {
  let status = 0;
  const program = createProgram({ name: 'mm-counter', version, description })
    .argument('<FILE>', 'the counter file (created as zero bytes when missing; - is standard input, e.g. - <>FILE)')
    .option('-n, --count <N>', 'increments to make (1e9, 10M, 1G; 0 just prints the value)', countArg('count'), 1_000_000_000)
    .addOption(new Option('--sync <mode>', "none: a separate load and store per increment (the lab's race); atomic: one atomic add").choices(['none', 'atomic']).default('none'))
    .addOption(new Option('--width <bits>', 'counter width: 32 (int32, od -t d4) or 64 (int64, od -t d8)').choices(['32', '64']).default('32'))
    .option('--private', 'map MAP_PRIVATE: count in this process\'s own copy, the file stays as it was')
    .addOption(new Option('--get', 'print the value and exit').conflicts(['set', 'add', 'count', 'sync', 'private']))
    .addOption(new Option('--set <N>', 'store N (one atomic store)').argParser(valueArg('value')).conflicts(['add', 'count', 'sync']))
    .addOption(new Option('--add <N>', 'one atomic add of N; print the result').argParser(valueArg('addend')).conflicts(['count', 'sync']))
    .addOption(new Option('--wait-for <N>', 'then sleep until the counter is at least N and print it (alone: no increments); a barrier for jobs started with &').argParser(valueArg('value')).conflicts(['get', 'private']))
    .option('--json', 'print one JSON object: file, count, sync, start, end, elapsed_ms, ns_per_increment')
    .addHelpText(
      'after',
      `
Increments the native-endian signed integer at the start of FILE through a shared
memory mapping and prints the final value it sees (od -An -t d4 FILE shows the same).
Ctrl-C stops a run, prints the value reached and exits 130.

Examples:
  mm-counter /tmp/counter.bin                      # 10^9 racy increments
  for i in 1 2 3; do mm-counter /tmp/counter.bin & done; wait
  mm-counter /tmp/counter.bin -n 1e6 --sync atomic # exact under contention
  mm-counter /tmp/counter.bin --add 1              # count jobs from a shell script
  for i in $(seq 10); do mm-counter /tmp/c.bin --wait-for 10 & done   # 10 sleepers…
  for i in $(seq 10); do mm-counter /tmp/c.bin --add 1; done; wait     # …released at 10`,
    )
    .action(async (file: string, raw: Record<string, unknown>) => {
      const options: CounterCliOptions = {
        count: raw.count as number,
        sync: raw.sync as CounterCliOptions['sync'],
        width: Number(raw.width) as CounterCliOptions['width'],
        private: raw.private === true,
        get: raw.get === true,
        set: raw.set as bigint | undefined,
        add: raw.add as bigint | undefined,
        json: raw.json === true,
        waitFor: raw.waitFor as bigint | undefined,
        counting: program.getOptionValueSource('count') !== 'default',
      };
      status = await runCounter(file, options);
    });
  await program.parseAsync(argv);
  return status;
});
