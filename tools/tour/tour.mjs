#!/usr/bin/env node
// npm run tour: walks through the lab one tool at a time, in a fresh temp dir, printing
// each command and its real output. Each tool adds one stop file in tools/tour/stops/,
// named NN-tool.mjs so they run in the lab's order; a stop exports `default async (t) => {}`.
//   node tools/tour/tour.mjs [STOP-SUBSTRING...]   runs only the matching stops
// It builds first (Nx, cached), quietly: the build's output is shown only if the build fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, mkdirSync, symlinkSync } from 'node:fs';
import { writeLaunchers } from '@mm/testkit/launchers';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'nx', 'bin', 'nx.js'), 'run-many', '-t', 'build'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  maxBuffer: 256 * 1024 * 1024,
  env: { ...process.env, NX_TUI: 'false' },
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  console.error(`mm tour: the build failed (${build.error?.message ?? `exit ${build.status}`}); its output is above`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'mm-tour-'));
const bin = writeLaunchers(join(dir, '.bin'));
// Scripts in the tour dir can `import '@mm/core'` as an installed user would.
mkdirSync(join(dir, 'node_modules', '@mm'), { recursive: true });
symlinkSync(join(root, 'packages', 'core'), join(dir, 'node_modules', '@mm', 'core'));
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' };
delete env.FORCE_COLOR;
const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (s) => `\x1b[1m${s}\x1b[0m` : (s) => s;

/** The object each stop receives. */
const t = {
  /** The tour's scratch directory (also the cwd of every command). */
  dir,
  /** Prints a heading. */
  section(title) {
    console.log(`\n${bold('== ' + title + ' ==')}`);
  },
  /** Prints a line of narration. */
  say(text) {
    console.log(`# ${text}`);
  },
  /** Prints `$ CMD`, runs it with bash in the tour dir, prints its stdout and stderr. Returns { code, stdout, stderr }. */
  run(cmd, { input, allowFail = true, timeout = 120_000 } = {}) {
    console.log(bold(`$ ${cmd}`));
    const r = spawnSync('bash', ['-c', cmd], { cwd: dir, env, input, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
    if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') || !r.stdout ? r.stdout : r.stdout + '\n');
    if (r.stderr) process.stdout.write(r.stderr.endsWith('\n') ? r.stderr : r.stderr + '\n');
    const code = r.status ?? 128;
    if (code !== 0) console.log(`[exit ${code}]`);
    if (code !== 0 && !allowFail) throw new Error(`tour command failed: ${cmd}`);
    return { code, stdout: r.stdout, stderr: r.stderr };
  },
};

const only = process.argv.slice(2);
const stops = readdirSync(join(here, 'stops')).filter((f) => f.endsWith('.mjs')).sort().filter((f) => !only.length || only.some((o) => f.includes(o)));
let failed = 0;
try {
  console.log(`mm tour — working in ${dir}`);
  for (const file of stops) {
    try {
      const mod = await import(pathToFileURL(join(here, 'stops', file)).href);
      await mod.default(t);
    } catch (e) {
      failed++;
      console.log(`tour stop ${file} failed: ${e.message}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? `\n${failed} tour stop(s) failed` : `\nTour complete: ${stops.length} stop(s).`);
process.exitCode = failed ? 1 : 0;
