#!/usr/bin/env node
// mm-db — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { createProgram, runCli } from '@mm/core/cli';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

await runCli('mm-db', async (argv) => {
  const program = createProgram({ name: 'mm-db', version, description });
  await program.parseAsync(argv);
});
