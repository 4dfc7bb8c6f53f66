#!/usr/bin/env node
// Runs cpplint over the given paths (arguments are passed through). The linter is a prebuilt
// binary shipped for Linux x64 as an npm package; it is an optional dependency, so on another
// platform npm skips it and this check skips too, saying why, instead of failing the install.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let command;
try {
  ({ command } = require('@cpplint/cpplint-cpp-linux-x64'));
} catch {
  process.stderr.write(`cpplint: skipped: no prebuilt cpplint for ${process.platform}-${process.arch} (the package @cpplint/cpplint-cpp-linux-x64 is not installed)\n`);
  process.exit(0);
}
const run = spawnSync(command, process.argv.slice(2), { stdio: 'inherit' });
if (run.error) {
  process.stderr.write(`cpplint: ${run.error.message}\n`);
  process.exit(1);
}
process.exit(run.status ?? 1);
