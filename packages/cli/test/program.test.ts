import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSize, parseCount, formatBytes } from '../src/index.js';
import { tempDir, runCommand, runBash } from '@mm/testkit';

describe('number parsing', () => {
  it('sizes are binary like head -c; counts decimal', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('4K')).toBe(4096);
    expect(parseSize('4KiB')).toBe(4096);
    expect(parseSize('4KB')).toBe(4000);
    expect(parseSize('10M')).toBe(10 * 2 ** 20);
    expect(parseSize('1e6')).toBe(1e6);
    expect(parseSize('1.5K')).toBe(1536);
    expect(parseCount('1e9')).toBe(1e9);
    expect(parseCount('10M')).toBe(1e7);
    expect(parseCount('1G')).toBe(1e9);
    expect(parseCount('2KiB')).toBe(2048);
    for (const bad of ['', '-1', 'abc', '1.5', '1e100', '10X', '0x10', '1 0', 'KiB']) expect(() => parseCount(bad)).toThrow(/invalid count/);
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('CLI kit', () => {
  const tmp = tempDir('mm-cli-');
  afterAll(() => tmp.cleanup());
  const cli = new URL('../dist/index.js', import.meta.url).pathname;
  const core = new URL('../../core/dist/index.js', import.meta.url).pathname;
  const tool = join(tmp.path, 'demo-tool.mjs');
  writeFileSync(tool, `
    import { createProgram, runCli, sizeArg, UsageError, ToolError } from ${JSON.stringify(cli)};
    import { openMapping, writeAll } from ${JSON.stringify(core)};
    await runCli('demo', async (argv) => {
      const p = createProgram({ name: 'demo', version: '1.2.3', description: 'demo tool' });
      p.option('-n, --size <n>', 'a size', sizeArg('size'));
      p.argument('[file]').action((file, o) => {
        if (file === 'usage') throw new UsageError('bad operand');
        if (file === 'crash') throw new ToolError('the child died of SIGSEGV', 139);
        if (file === 'big') { const b = Buffer.alloc(1 << 20, 120); for (let i = 0; i < 64; i++) writeAll(1, b); return; }
        if (file) openMapping(file);
        process.stdout.write('size=' + (o.size ?? 'none') + '\\n');
      });
      await p.parseAsync(argv);
    });
  `);
  const run = (...args: string[]) => runCommand(process.execPath, [tool, ...args]);

  it('help and version go to stdout with exit 0', async () => {
    const v = await run('--version');
    expect([v.code, v.stdout.toString(), v.stderr]).toEqual([0, '1.2.3\n', '']);
    const h = await run('--help');
    expect(h.code).toBe(0);
    expect(h.stdout.toString()).toMatch(/^Usage: demo/);
  });

  it('usage errors exit 2 with a one-line reason and a hint', async () => {
    const r = await run('--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("demo: unknown option '--bogus'\nTry 'demo --help' for more information.\n");
    const n = await run('-n', '12Q');
    expect(n.code).toBe(2);
    expect(n.stderr.split('\n')[0]).toMatch(/^demo: option .* argument '12Q' is invalid\. invalid size: '12Q'$/);
    const u = await run('usage');
    expect([u.code, u.stderr.split('\n')[0]]).toEqual([2, 'demo: bad operand']);
    expect((await run('-n', '4KiB')).stdout.toString()).toBe('size=4096\n');
  });

  it('system errors exit 1 as PROG: NAME: reason; chosen codes pass through; no stack traces', async () => {
    const r = await run('/nonexistent/file');
    expect([r.code, r.stderr]).toEqual([1, 'demo: /nonexistent/file: No such file or directory\n']);
    const c = await run('crash');
    expect([c.code, c.stderr]).toEqual([139, 'demo: the child died of SIGSEGV\n']);
    const d = await runCommand(process.execPath, [tool, '/nonexistent/file'], { env: { MM_DEBUG: '1' } });
    expect(d.stderr).toMatch(/at /);
  });

  it('is quiet when the reader of stdout goes away', async () => {
    const r = await runBash(`set -o pipefail; "${process.execPath}" "${tool}" big | head -c 3; echo " status=$?"`);
    expect(r.stdout.toString()).toBe('xxx status=141\n');
    expect(r.stderr).toBe('');
  });
});
