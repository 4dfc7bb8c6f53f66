// The environment the committed bin gives the tool: NODE_EXTRA_CA_CERTS is kept from Node.js
// as it starts (Node 20 reads and parses those certificates before any JavaScript; no tool
// speaks TLS) and put back for the tool and its child processes, and the bin's own variables
// are gone by the time the tool runs. The bin under test is the template's output around a
// stand-in bundle that prints its environment.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, tempDir } from '@mm/testkit';
// @ts-expect-error -- a plain ES module of the build tools, without types
import { binShim } from '../bundle/bin-shim.mjs';

const tmp = tempDir('mm-bin-env-');
afterAll(() => tmp.cleanup());

/** A package in DIR holding the template's bin for tool NAME around a stand-in bundle; returns the bin. */
function standIn(dir: string, name: string, bundle: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  const file = join(dir, 'bin', `${name}.cjs`);
  writeFileSync(file, (binShim as (name: string) => string)(name));
  chmodSync(file, 0o755);
  writeFileSync(join(dir, 'dist', `${name}.cjs`), bundle);
  return file;
}

const bin = standIn(
  join(tmp.path, 'pkg'),
  'mm-env',
  "process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(MM_|NODE_)/.test(k)))));\n",
);

function run(extra: Record<string, string | undefined>): Record<string, string> {
  const r = spawnSync(bin, [], {
    env: childEnv({ NODE_COMPILE_CACHE: undefined, NODE_OPTIONS: undefined, ...extra }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect([r.status, r.signal, r.stderr]).toEqual([0, null, '']);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe('the bin and NODE_EXTRA_CA_CERTS', () => {
  it('Node.js does not open the file as it starts (a FIFO nobody writes would block it); the tool still sees the variable', () => {
    const fifo = join(tmp.path, 'certs.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const env = run({ NODE_EXTRA_CA_CERTS: fifo });
    expect(env.NODE_EXTRA_CA_CERTS).toBe(fifo);
    expect(Object.keys(env).filter((k) => k.startsWith('MM_') && k !== 'MM_CLOSED_STDIO')).toEqual([]); // MM_CLOSED_STDIO is the tool's to read
  });

  it('an empty value is kept as it was, and an unset one stays unset', () => {
    expect(run({ NODE_EXTRA_CA_CERTS: '' }).NODE_EXTRA_CA_CERTS).toBe('');
    expect('NODE_EXTRA_CA_CERTS' in run({ NODE_EXTRA_CA_CERTS: undefined })).toBe(false);
  });
});

describe('the committed bins', () => {
  // Seven tools, seven copies of one template (each package is installed alone, so each
  // carries its own): none may drift from what `node tools/bundle/bin-shim.mjs` writes.
  const packages = new URL('../../packages', import.meta.url).pathname;
  it.each(readdirSync(packages).filter((d) => d.startsWith('mm-')))('%s is the template, written for it', (tool) => {
    expect(readFileSync(join(packages, tool, 'bin', `${tool}.cjs`), 'utf8')).toBe((binShim as (name: string) => string)(tool));
  });
});

describe('the bin leaving when the tool is done', () => {
  // A stand-in tool that sets its exit status, writes after a timer, and — when asked — keeps
  // a 'beforeExit' listener of its own that schedules more work: the bin's quick exit must not
  // cut that work short, nor lose the status or the 'exit' listeners' output.
  const exitBin = standIn(
    join(tmp.path, 'exit-pkg'),
    'mm-exit',
    [
      "process.exitCode = 3;",
      "process.on('exit', (code) => process.stdout.write(`exit ${code}\\n`));",
      "setTimeout(() => process.stdout.write('timer\\n'), 20);",
      "if (process.argv[2] === 'more') {",
      "  let rounds = 0;",
      "  process.on('beforeExit', () => { if (rounds++ < 2) setTimeout(() => process.stdout.write(`more ${rounds}\\n`), 5); });",
      "}",
      '',
    ].join('\n'),
  );

  it.each([
    ['', 'timer\nexit 3\n'],
    ['more', 'timer\nmore 1\nmore 2\nexit 3\n'],
  ])('%s: the status, the timers and the exit listeners all as without it', (arg, out) => {
    const r = spawnSync(exitBin, arg ? [arg] : [], { env: childEnv({ NODE_OPTIONS: undefined }), encoding: 'utf8', timeout: 20_000 });
    expect([r.status, r.signal, r.stderr, r.stdout]).toEqual([3, null, '', out]);
  });
});
