// The shared plumbing the tools call: opening inputs, stop signals, chunked native loops.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as fsConstants } from 'node:fs';
import { ChunkSizer, closeInput, openInput, statInput } from '../src/index.js';
import { runCommand, tempDir } from '@mm/testkit';

const tmp = tempDir('mm-cli-helpers-');
afterAll(() => tmp.cleanup());

describe('openInput', () => {
  it('opens a file, sizes it, names every error after the operand, refuses a directory', () => {
    const f = join(tmp.path, 'in.txt');
    writeFileSync(f, 'hello');
    const input = openInput(f);
    expect([input.name, input.size, input.owned, input.stat.isFile()]).toEqual([f, 5, true, true]);
    closeInput(input);
    closeInput(input);
    expect(() => openInput(join(tmp.path, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT', message: `${join(tmp.path, 'missing')}: No such file or directory` }));
    expect(() => openInput(tmp.path)).toThrow(expect.objectContaining({ code: 'EISDIR', message: `${tmp.path}: Is a directory`, syscall: 'read' }));
    expect(() => openInput(tmp.path, { syscall: 'mmap' })).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'mmap' }));
  });

  it('- is standard input, used as it is and never closed', () => {
    const input = openInput('-');
    expect([input.name, input.fd, input.owned]).toEqual(['-', 0, false]);
    closeInput(input);
  });

  it('refuses a FIFO (opened without blocking) where a regular file is needed, with the reason given', () => {
    const fifo = join(tmp.path, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => openInput(fifo, { flags: fsConstants.O_RDONLY | fsConstants.O_NONBLOCK, regularFile: 'not a regular file' })).toThrow(
      expect.objectContaining({ code: 'ENODEV', message: `${fifo}: not a regular file` }),
    );
    const fd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    expect(statInput(fd, fifo).isFIFO()).toBe(true);
    closeSync(fd);
  });

  it('with probeRead, a file whose reading fails at once fails on opening', () => {
    expect(() => openInput('/proc/self/mem', { probeRead: true })).toThrow(expect.objectContaining({ code: 'EIO', message: '/proc/self/mem: Input/output error' }));
  });
});

describe('ChunkSizer', () => {
  it('scales the next chunk by how far the last one was from the target, within bounds', () => {
    let now = 0n;
    const took = (ms: number) => (n: number) => {
      now += BigInt(ms * 1e6);
      return n;
    };
    const sizer = new ChunkSizer({ first: 1000, min: 10, max: 100_000, targetMs: 20, clock: () => now });
    expect(sizer.run(took(5))).toBe(1000);
    expect(sizer.size).toBe(4000);
    expect(sizer.run(took(80))).toBe(4000);
    expect(sizer.size).toBe(1000);
    sizer.run(took(1));
    sizer.run(took(1));
    expect(sizer.size).toBe(100_000);
    sizer.run(took(1e6));
    expect(sizer.size).toBe(10);
    sizer.run(took(0));
    expect(sizer.size).toBe(10);
    const doubling = new ChunkSizer({ first: 10, min: 1, max: 30, targetMs: 1, whenInstant: 'double', clock: () => now });
    doubling.run(took(0));
    doubling.run(took(0));
    expect(doubling.size).toBe(30);
  });
});

describe('stop signals', () => {
  const cli = new URL('../dist/index.js', import.meta.url).pathname;
  it('INT, TERM and HUP abort the run with the signal as reason; the tool exits 128+N after cleaning up', async () => {
    const script = join(tmp.path, 'stopper.mjs');
    writeFileSync(script, `
      import { runCli, withStopSignals, signalExitCode } from ${JSON.stringify(cli)};
      await runCli('stopper', async () => {
        const caught = await withStopSignals((stop) => new Promise((resolve) => {
          const alive = setTimeout(() => {}, 10_000);
          stop.signal.addEventListener('abort', () => {
            clearTimeout(alive);
            resolve(stop.signal.reason);
          });
          process.kill(process.pid, process.argv[2]);
        }));
        process.stderr.write('cleaned up after ' + caught + '\\n');
        return signalExitCode(caught);
      });
    `);
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const r = await runCommand(process.execPath, [script, sig]);
      expect([r.code, r.stderr]).toEqual([code, `cleaned up after ${sig}\n`]);
    }
  });
});
