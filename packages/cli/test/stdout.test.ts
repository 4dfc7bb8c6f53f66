// writeOut and runCli's lazily attached stream handlers: output reaches stdout without Node
// making process.stdout (no streams loaded), write errors read as GNU tools print them, and
// a tool that does use process.stdout still gets runCli's handling of its errors.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, runBash } from '@mm/testkit';

describe('writeOut under runCli', () => {
  const tmp = tempDir('mm-cli-out-');
  afterAll(() => tmp.cleanup());
  const cli = new URL('../dist/index.js', import.meta.url).pathname;
  const tool = join(tmp.path, 'out-tool.mjs');
  writeFileSync(
    tool,
    `import { runCli, writeOut } from ${JSON.stringify(cli)};
await runCli('out-tool', (argv) => {
  if (argv[2] === 'stream') process.stdout.write('through the stream\\n');
  writeOut('hello ');
  writeOut(Buffer.from('world\\n'));
  // process.stdout on a file is a SyncWriteStream, whose module nothing else loads.
  writeOut(process.moduleLoadList.includes('NativeModule internal/fs/sync_write_stream') ? 'stdout stream made\\n' : 'no stdout stream\\n');
});
`,
  );

  it('into a file and a pipe: the bytes, in order, and (into the file) no stdout stream made', async () => {
    const r = await runBash(`node ${tool} > ${tmp.path}/o && cat ${tmp.path}/o; node ${tool} | cat`);
    expect(r.stdout.toString()).toBe('hello world\nno stdout stream\n'.repeat(2));
  });

  it('after process.stdout.write, writeOut keeps the order', async () => {
    const r = await runBash(`node ${tool} stream > ${tmp.path}/s && cat ${tmp.path}/s; node ${tool} stream | head -c 19`);
    expect(r.stdout.toString()).toBe('through the stream\nhello world\nstdout stream made\nthrough the stream\n');
  });

  it('/dev/full: one write error line, exit 1; a reader gone: quiet, 141; through the stream as well', async () => {
    const r = await runBash(`node ${tool} > /dev/full; echo "exit $?"; node ${tool} stream > /dev/full; echo "exit $?"; node ${tool} | (exec 0<&-; sleep 1); echo "exit \${PIPESTATUS[0]}"`);
    expect(r.stdout.toString()).toBe('exit 1\nexit 1\nexit 141\n');
    expect(r.stderr).toBe('out-tool: write error: No space left on device\n'.repeat(2));
  });
});

describe('isInteractive without loading node:tty', () => {
  const tmp = tempDir('mm-cli-tty-');
  afterAll(() => tmp.cleanup());
  const cli = new URL('../dist/index.js', import.meta.url).pathname;
  const tool = join(tmp.path, 'tty-tool.mjs');
  writeFileSync(
    tool,
    `import { writeSync } from 'node:fs';
import { isInteractive, useColor } from ${JSON.stringify(cli)};
const answers = [isInteractive(1), useColor(1), isInteractive(2)].join(' ');
writeSync(2, answers + ' ' + (process.moduleLoadList.includes('NativeModule tty') ? 'tty loaded' : 'no tty') + '\\n');
`,
  );

  it('stdout and stderr a pipe, a file or /dev/null: not interactive, told by fstat(2) alone', async () => {
    const r = await runBash(`node ${tool} 2>&1 | cat; node ${tool} > ${tmp.path}/o 2>&1; cat ${tmp.path}/o; node ${tool} > /dev/null 2> ${tmp.path}/e; cat ${tmp.path}/e`);
    expect(r.stdout.toString()).toBe('false false false no tty\n'.repeat(3));
  });

  it('a terminal is still asked: under script(1), stdout a pty is interactive', async (ctx) => {
    const probe = await runBash('command -v script');
    if (probe.code !== 0) return ctx.skip("'script' (util-linux) is not installed");
    const r = await runBash(`TERM=xterm script -qec "node ${tool}" /dev/null < /dev/null`);
    expect(r.stdout.toString().replace(/\r/g, '')).toContain('true');
  });
});
