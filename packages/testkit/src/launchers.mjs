// One place that makes a directory of `mm-*` launchers named like the installed bins, for the
// tour, the bench and the tests to put on PATH: `#!/bin/sh exec node …/dist/cli.js` (the
// compiled modules, as the tests run them), or with `bundled`, links to each tool's committed
// bin (its sh lines, its code cache and the bundle: what an installed tool runs).
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Writes one launcher per tool in packages/ into `dir` (created if needed); returns `dir`.
 * `bundled`: link each tool's committed bin instead (which runs Node from PATH).
 */
export function writeLaunchers(dir, { bundled = false } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const tool of readdirSync(join(repoRoot, 'packages'))) {
    if (!tool.startsWith('mm-')) continue;
    const at = join(dir, tool);
    rmSync(at, { force: true });
    if (bundled) symlinkSync(join(repoRoot, 'packages', tool, 'bin', `${tool}.cjs`), at);
    else writeFileSync(at, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'packages', tool, 'dist', 'cli.js')}" "$@"\n`, { mode: 0o755 });
  }
  return dir;
}
