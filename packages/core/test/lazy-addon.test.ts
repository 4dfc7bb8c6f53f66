// The addon is loaded by the first use of a native call or constant, not by importing core:
// a tool's `--version`, `--help` or a run that only reads /proc never dlopens it. What
// another process sees: the addon in the importing process's /proc/self/maps, or not.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { binding, bindingNames } from '../src/native.js';
import { RING_HEADER, RING_MAX_SLOTS } from '../src/index.js';
import { childEnv } from '@mm/testkit';

const dist = new URL('../dist/index.js', import.meta.url).href;

/** Runs `code` in a fresh Node after importing core's build as `core`; returns its stdout. */
function inFreshNode(code: string): string {
  const script = `const core = await import(${JSON.stringify(dist)});\nconst mapped = () => require('node:fs').readFileSync('/proc/self/maps', 'utf8').includes('mm+core.node');\n${code}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${script}`], { encoding: 'utf8', env: childEnv() });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return r.stdout;
}

describe('the addon, loaded on first use', () => {
  it('importing core maps no addon; the first native call or constant loads it', () => {
    expect(inFreshNode("console.log([mapped(), core.RING_HEADER > 0, core.MmError.name, mapped(), core.pageSize() > 0, mapped()].join(' '));").trim()).toBe('false true MmError false true true');
  });

  it('importing core loads no node:os either (not in Node 20\'s start-up snapshot); naming an errno does', () => {
    const loaded = "process.moduleLoadList.includes('NativeModule os')";
    expect(inFreshNode(`console.log([${loaded}, core.errnoName(2), ${loaded}].join(' '));`).trim()).toBe('false ENOENT true');
  });

  it('once loaded, every name answers from the addon itself, and none can be replaced', () => {
    const out = inFreshNode(
      "const { binding, bindingNames } = await import(" + JSON.stringify(new URL('../dist/native.js', import.meta.url).href) + ");\n" +
        "const missing = bindingNames.filter((n) => binding[n] === undefined);\n" +
        "let replaced = 'no'; try { binding.mapFd = null; replaced = String(binding.mapFd === null); } catch { replaced = 'refused'; }\n" +
        "console.log([missing.length, typeof binding.writeAll, 'mapFd' in binding, Object.isFrozen(binding), replaced].join(' '));",
    );
    expect(out.trim()).toBe('0 function true true refused');
  });

  it('a tool-style run that only lists /dev/shm and reads /proc maps no addon', () => {
    expect(inFreshNode("core.shmList(); core.readMaps(process.pid); console.log(String(mapped()));").trim()).toBe('false');
  });

  it("names every call and constant the addon exports (its class of handles aside), and the ring's layout is the addon's", () => {
    const load = createRequire(import.meta.url)('node-gyp-build') as (root: string) => Record<string, unknown>;
    const addon = load(new URL('..', import.meta.url).pathname);
    expect([...bindingNames].sort()).toEqual(Object.keys(addon).filter((k) => k !== 'MapHandle').sort());
    expect([RING_HEADER, RING_MAX_SLOTS]).toEqual([addon.RING_HEADER, addon.RING_MAX_SLOTS]);
    expect(binding.RING_HEADER).toBe(addon.RING_HEADER);
  });
});
