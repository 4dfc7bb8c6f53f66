// Helpers for the packages' vitest suites: run a built bin, make and remove temp files,
// name /dev/shm objects uniquely, and skip (with a printed reason) when a tool is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { repoRoot, writeLaunchers } from './launchers.mjs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `node BIN ARGS…` to completion and returns its exit status and output. */
export function runBin(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runCommand(process.execPath, [bin, ...args], options);
}

/**
 * The environment for a child under test: plain output (NO_COLOR, and no FORCE_COLOR, which
 * test runners set and which would colour a child's console.log), then `extra` on top; an
 * `undefined` value removes a variable.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  if (extra.FORCE_COLOR !== undefined) env.FORCE_COLOR = extra.FORCE_COLOR;
  return env;
}

/** Runs any command to completion (stdin from `input`, or closed). */
export function runCommand(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {});
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a bash script (for pipelines and `&`/`wait` loops), returning its status and output. */
export function runBash(script: string, options: RunOptions = {}): Promise<RunResult> {
  return runCommand('bash', ['-c', script], options);
}

/** The `code` of the error `fn` throws, or 'no error' when it returns. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
}

/** A fresh temp dir; call `cleanup()` in afterAll/afterEach. */
export function tempDir(prefix = 'mm-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

let counter = 0;
/** A /dev/shm object name no other test or process uses. */
export function uniqueShmName(prefix = 'mmtest'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** Names in /dev/shm starting with `prefix` (to check a test left nothing behind). */
export function shmObjects(prefix: string): string[] {
  return readdirSync('/dev/shm').filter((n) => n.startsWith(prefix));
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** True if `cmd` is on PATH; otherwise prints why the caller will skip. */
export function haveCommand(cmd: string, why = ''): boolean {
  const ok = onPath(cmd);
  if (!ok) console.warn(`skipping${why ? ' ' + why : ''}: '${cmd}' is not installed`);
  return ok;
}

/**
 * Skips the running test unless `cmd` is on PATH, printing the reason (`WHY: 'CMD' is not
 * installed`, also the skip note), so a missing tool never passes as green.
 */
export function skipWithout(ctx: Pick<TestContext, 'skip'>, cmd: string, why: string): void {
  if (!onPath(cmd)) skipTest(ctx, `${why}: '${cmd}' is not installed`);
}

/** Skips the running test, printing the reason (vitest's default reporter does not show skip notes). */
export function skipTest(ctx: Pick<TestContext, 'skip'>, reason: string): never {
  console.warn(`skipping ${reason}`);
  return ctx.skip(reason);
}

const packagesDir = join(repoRoot, 'packages');

/** Absolute path of a tool's built CLI (`packages/NAME/dist/cli.js`). */
export function binPath(tool: string): string {
  return join(packagesDir, tool, 'dist', 'cli.js');
}

/**
 * A temp dir holding a `#!/bin/sh` launcher per tool, named like the installed bin, so
 * bash tests can write `mm-counter F &` exactly as a user would. Prepend it to PATH.
 */
export function binDir(): { path: string; cleanup: () => void; env: Record<string, string> } {
  const dir = tempDir('mm-bin-');
  writeLaunchers(dir.path);
  return { ...dir, env: { PATH: `${dir.path}:${process.env.PATH ?? ''}` } };
}

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
let nobodyProblem: string | null | undefined;

/**
 * The `setpriv` arguments that run a command as the unprivileged user nobody — for
 * permission tests, which cannot rely on modes alone while tests run as root. Returns
 * undefined, printing why the caller skips, when that cannot work here: not root, no
 * setpriv, or nobody cannot reach this checkout (it lies under a private directory).
 */
export function asNobody(why: string): string[] | undefined {
  if (nobodyProblem === undefined) {
    const probe = join(packagesDir, 'core', 'dist', 'index.js');
    if (process.getuid?.() !== 0) nobodyProblem = 'tests are not running as root';
    else if (spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status !== 0) nobodyProblem = "'setpriv' is not installed";
    else if (spawnSync('setpriv', [...NOBODY, process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(probe)}, 4)`], { stdio: 'ignore' }).status !== 0) {
      nobodyProblem = 'user nobody cannot read this checkout (a parent directory is private)';
    } else nobodyProblem = null;
  }
  if (nobodyProblem) {
    console.warn(`skipping ${why}: ${nobodyProblem}`);
    return undefined;
  }
  return [...NOBODY];
}

const coreModule = new URL(`file://${join(repoRoot, 'packages', 'core', 'dist', 'index.js')}`).href;

// A child that maps TARGET (a path, or shm:NAME) with ACCESS and SHARING through @mm/core,
// reads its first TOUCH bytes, says "ready" and waits to be killed.
const MAPPER = `
const m = await import(${JSON.stringify(coreModule)});
const [target, access, sharing, touch] = process.argv.slice(1);
const map = target.startsWith('shm:')
  ? m.openShmMapping(target.slice(4), { readOnly: access === 'r', access, sharing })
  : m.openMapping(target, { access, sharing });
let sum = 0;
for (let i = 0; i < Number(touch); i += 4096) sum += map.bytes[i];
globalThis.keep = [map, sum];
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

/**
 * A node child mapping `target` (a path, or `shm:NAME`) after reading its first `touch` bytes;
 * resolves once it says it is ready. `prefix` runs it under another command (`setpriv …`).
 * The caller kills it.
 */
export async function spawnMapper(target: string, access: 'r' | 'rw', sharing: 'shared' | 'private', touch = 0, prefix: string[] = []): Promise<ChildProcess> {
  const args = [process.execPath, '--input-type=module', '-e', MAPPER, target, access, sharing, String(touch)];
  const child = spawn(prefix[0] ?? args[0], [...prefix.slice(1), ...(prefix.length ? args : args.slice(1))], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`mapper of ${target} exited ${code}`)));
  });
  return child;
}

/**
 * A seeded xorshift32 generator of numbers in [0, 1), so a randomized test that fails names a
 * seed that replays it.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
