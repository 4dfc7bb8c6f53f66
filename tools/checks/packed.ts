// Global set-up of the workspace checks: `npm pack` every package once, then install each
// tool's tarball ALONE into its own empty global prefix, with its own empty npm cache,
// --offline, and only `node` and `sh` on PATH (tools/packing.mjs). @mm/core's tarball is
// installed alone too, with no compiler; it is a library with real dependencies
// (node-gyp-build, node-addon-api; nothing for command lines), which npm takes from its cache when it can and the
// registry otherwise. The checks read where everything went through inject('packed').
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installTarball, nodeAndShOnly, packWorkspaces } from '../packing.mjs';

export interface Packed {
  /** Scratch directory of the checks (removed at the end). */
  work: string;
  /** Directory holding only `node` (this Node) and `sh`: the PATH of every install and run. */
  safeBin: string;
  /** Tool name → the global prefix it was installed into alone. */
  prefixes: Record<string, string>;
  /** The prefix @mm/core was installed into alone. */
  corePrefix: string;
  /** Tool names, sorted. */
  tools: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    packed: Packed;
  }
}

const root = new URL('../..', import.meta.url).pathname;

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), 'mm-pack-'));
  const safeBin = nodeAndShOnly(join(work, 'safebin'));
  const tarballs = packWorkspaces(join(work, 'tgz'));
  const tools = readdirSync(join(root, 'packages')).filter((d) => d.startsWith('mm-')).sort();
  const prefixes: Record<string, string> = {};
  for (const tool of tools) {
    if (!tarballs[tool]) throw new Error(`npm pack made no tarball for ${tool} (made: ${Object.keys(tarballs).join(', ')})`);
    prefixes[tool] = installTarball(tarballs[tool], join(work, 'prefix', tool), { safeBin, cache: join(work, 'cache', tool), cwd: work });
  }
  if (!tarballs['@mm/core']) throw new Error(`npm pack made no tarball for @mm/core (made: ${Object.keys(tarballs).join(', ')})`);
  const corePrefix = installTarball(tarballs['@mm/core'], join(work, 'prefix', '@mm-core'), { safeBin, cwd: work });
  project.provide('packed', { work, safeBin, prefixes, corePrefix, tools });
  return () => rmSync(work, { recursive: true, force: true });
}
