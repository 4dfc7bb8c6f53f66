// Packs the workspace's packages and installs a tool's tarball ALONE into an empty global
// prefix — its own empty npm cache, --offline, only `node` and `sh` on PATH — as a user's
// `npm i -g ./mm-cat-0.1.0.tgz` on a machine with no network and no compiler. Used by the pack
// check (tools/checks/packed.ts) and by the bench, which times the installed tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The npm CLI script (run with this Node, so no `npm` needs to be on PATH). */
export function npmCli() {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && fromEnv.endsWith('.js')) return fromEnv;
  return join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim())), 'npm-cli.js');
}

/** Makes DIR holding only `node` (this Node) and `sh`; returns DIR. */
export function nodeAndShOnly(dir) {
  mkdirSync(dir, { recursive: true });
  symlinkSync(process.execPath, join(dir, 'node'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

/** `npm pack`s every workspace package (or those named) into DIR; returns tarball paths by package name. */
export function packWorkspaces(dir, names) {
  mkdirSync(dir, { recursive: true });
  const which = names ? names.flatMap((n) => ['--workspace', n]) : ['--workspaces'];
  const out = execFileSync(process.execPath, [npmCli(), 'pack', ...which, '--pack-destination', dir, '--json', '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  return Object.fromEntries(JSON.parse(out).map((p) => [p.name, join(dir, p.filename)]));
}

const quiet = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error', npm_config_fetch_retries: '0' };

/**
 * `npm install --global --prefix PREFIX TARBALL` with only SAFEBIN on PATH. With `cache`, npm
 * gets that (empty) cache and --offline; without, it may fill in real dependencies from its
 * usual cache or the registry (for @mm/core, a library with dependencies).
 */
export function installTarball(tarball, prefix, { safeBin, cache, cwd = prefix } = {}) {
  mkdirSync(prefix, { recursive: true });
  const env = { ...process.env, PATH: safeBin, ...quiet };
  if (cache) {
    mkdirSync(cache, { recursive: true });
    Object.assign(env, { npm_config_cache: cache, npm_config_offline: 'true' });
  } else env.npm_config_prefer_offline = 'true';
  const r = spawnSync(process.execPath, [npmCli(), 'install', '--global', '--prefix', prefix, tarball], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm install -g ${tarball} (${cache ? 'offline, empty cache, ' : ''}only node and sh on PATH) failed:\n${r.stdout}\n${r.stderr}`);
  return prefix;
}
