// Global set-up of the workspace checks: `npm pack` every package once, then install each
// tool's tarball ALONE into its own empty global prefix, with its own empty npm cache,
// --offline, and only `node` and `sh` on PATH — what `npm i -g ./mm-cat-0.1.0.tgz` does on a
// machine with no network and no compiler. @mm/core's tarball is installed alone too, with no
// compiler; it is a library with real dependencies (commander, node-gyp-build, node-addon-api),
// which npm takes from its cache when it can (--prefer-offline) and the registry otherwise.
// The checks read where everything went through inject('packed').
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';

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

function npmCli(): string {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && fromEnv.endsWith('.js')) return fromEnv;
  return join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim())), 'npm-cli.js');
}

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), 'mm-pack-'));
  const safeBin = join(work, 'safebin');
  mkdirSync(safeBin);
  symlinkSync(process.execPath, join(safeBin, 'node'));
  symlinkSync('/bin/sh', join(safeBin, 'sh'));
  const tgz = join(work, 'tgz');
  mkdirSync(tgz);
  const npm = npmCli();
  execFileSync(process.execPath, [npm, 'pack', '--workspaces', '--pack-destination', tgz, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = readdirSync(tgz);
  const quiet = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };
  const install = (tarball: string, prefix: string, cache: string | undefined): void => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: safeBin, ...quiet, npm_config_fetch_retries: '0' };
    if (cache) Object.assign(env, { npm_config_cache: cache, npm_config_offline: 'true' });
    else env.npm_config_prefer_offline = 'true';
    const r = spawnSync(process.execPath, [npm, 'install', '--global', '--prefix', prefix, join(tgz, tarball)], { cwd: work, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm install -g ${tarball} (${cache ? 'offline, empty cache, ' : ''}only node and sh on PATH) failed:\n${r.stdout}\n${r.stderr}`);
  };
  const tools = readdirSync(join(root, 'packages')).filter((d) => d.startsWith('mm-')).sort();
  const prefixes: Record<string, string> = {};
  for (const tool of tools) {
    const tarball = tarballs.find((f) => f.startsWith(`${tool}-`) && /^\d/.test(f.slice(tool.length + 1)));
    if (!tarball) throw new Error(`npm pack made no tarball for ${tool} (made: ${tarballs.join(', ')})`);
    const prefix = join(work, 'prefix', tool);
    const cache = join(work, 'cache', tool);
    mkdirSync(prefix, { recursive: true });
    mkdirSync(cache, { recursive: true });
    install(tarball, prefix, cache);
    prefixes[tool] = prefix;
  }
  const coreTarball = tarballs.find((f) => f.startsWith('mm-core-'));
  if (!coreTarball) throw new Error(`npm pack made no tarball for @mm/core (made: ${tarballs.join(', ')})`);
  const corePrefix = join(work, 'prefix', '@mm-core');
  mkdirSync(corePrefix, { recursive: true });
  install(coreTarball, corePrefix, undefined);
  project.provide('packed', { work, safeBin, prefixes, corePrefix, tools });
  return () => rmSync(work, { recursive: true, force: true });
}
