#!/usr/bin/env node
// mm-cat — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { createProgram, runCli } from '@mm/core/cli';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

await runCli('mm-cat', async (argv) => {
  const program = createProgram({ name: 'mm-cat', version, description });
  await program.parseAsync(argv);
});
