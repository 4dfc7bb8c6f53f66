// One place that makes a directory of `mm-*` launchers (#!/bin/sh exec node …/dist/cli.js),
// named like the installed bins, for the tour, the bench and the tests to put on PATH.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Writes one launcher per tool in packages/ into `dir` (created if needed); returns `dir`. */
export function writeLaunchers(dir) {
  mkdirSync(dir, { recursive: true });
  for (const tool of readdirSync(join(repoRoot, 'packages'))) {
    if (!tool.startsWith('mm-')) continue;
    const cli = join(repoRoot, 'packages', tool, 'dist', 'cli.js');
    writeFileSync(join(dir, tool), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  }
  return dir;
}
