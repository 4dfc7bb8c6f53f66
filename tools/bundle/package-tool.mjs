#!/usr/bin/env node
// Makes a tool's package self-contained after tsc (each tool's `build` script runs this in its
// own directory):
//   dist/TOOL.cjs          the bin, one bundled file (bundle.mjs)
//   prebuilds/             @mm/core's native prebuild, next to the bundle, where core's loader
//                          (node-gyp-build, bundled) looks relative to the running file
//   man/TOOL.1             the man page, from docs/TOOL.md (man.mjs)
// and checks that the committed bin/TOOL.cjs is the one every tool shares (binShim).
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';
import { writeManPage } from './man.mjs';
import { binShim } from './bin-shim.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const pkgDir = resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const shim = join(pkgDir, 'bin', `${pkg.name}.cjs`);
if (!existsSync(shim) || readFileSync(shim, 'utf8') !== binShim(pkg.name)) {
  throw new Error(`${shim} is missing or differs from the shared bin: run "node tools/bundle/bin-shim.mjs"`);
}
await bundle(pkgDir);
const prebuilds = join(root, 'packages', 'core', 'prebuilds');
if (!existsSync(prebuilds)) throw new Error(`${prebuilds} is missing: build @mm/core first`);
rmSync(join(pkgDir, 'prebuilds'), { recursive: true, force: true });
cpSync(prebuilds, join(pkgDir, 'prebuilds'), { recursive: true });
await writeManPage(root, pkgDir, pkg);
