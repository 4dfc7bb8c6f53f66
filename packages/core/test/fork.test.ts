import { describe, it, expect, afterAll } from 'vitest';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mapAnonymous, forkSignalReader, writeSignalPayload, waitChild, signalName, signalNumber, writeAll, readSome } from '../src/index.js';
import { tempDir } from '@mm/testkit';

const tmp = tempDir('mm-fork-');
afterAll(() => tmp.cleanup());

describe('fork helpers', () => {
  it('a child asleep in sigwait prints what the parent wrote after the signal; timers run while we wait', async () => {
    const out = join(tmp.path, 'child-out.bin');
    const fd = openSync(out, 'w');
    const m = mapAnonymous(4096);
    const pid = forkSignalReader(m, { signal: 'SIGUSR2', outFd: fd });
    closeSync(fd);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const payload = Buffer.from('a\0b\0binary\n\xff', 'latin1');
    setTimeout(() => {
      writeSignalPayload(m, payload);
      process.kill(pid, 'SIGUSR2');
    }, 100);
    const exit = await waitChild(pid);
    clearInterval(timer);
    expect(exit).toEqual({ pid, code: 0, signal: null, signo: null });
    expect(ticks).toBeGreaterThan(3);
    expect(Buffer.compare(readFileSync(out), payload)).toBe(0);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('with a private mapping the child sees none of what the parent wrote after the fork', async () => {
    const out = join(tmp.path, 'private-out.bin');
    const fd = openSync(out, 'w');
    const m = mapAnonymous(4096, { sharing: 'private' });
    const pid = forkSignalReader(m, { outFd: fd });
    closeSync(fd);
    writeSignalPayload(m, Buffer.from('you will not see this'));
    process.kill(pid, 'SIGUSR1');
    expect((await waitChild(pid)).code).toBe(0);
    expect(readFileSync(out).length).toBe(0);
  });

  it('the caller chooses the layout: the length word and the payload anywhere in the mapping', async () => {
    const out = join(tmp.path, 'layout-out.bin');
    const fd = openSync(out, 'w');
    const report = join(tmp.path, 'layout-report.bin');
    const rfd = openSync(report, 'w');
    const m = mapAnonymous(4096);
    const layout = { lengthOffset: 4088, dataOffset: 100 };
    m.bytes.fill(0x2e);
    const pid = forkSignalReader(m, { outFd: fd, reportFd: rfd, ...layout });
    closeSync(fd);
    closeSync(rfd);
    expect(writeSignalPayload(m, [Buffer.from('two '), Buffer.from('parts')], layout)).toBe(9);
    process.kill(pid, 'SIGUSR1');
    expect((await waitChild(pid)).code).toBe(0);
    expect(readFileSync(out).toString()).toBe('two parts');
    expect(readFileSync(report).readBigUInt64LE(0)).toBe(9n);
    expect(() => forkSignalReader(m, { outFd: 1, lengthOffset: 4 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => forkSignalReader(m, { outFd: 1, lengthOffset: 4096 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => writeSignalPayload(m, Buffer.alloc(10), { dataOffset: 4090 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('waitChild reports a child killed by a signal', async () => {
    const m = mapAnonymous(4096);
    const pid = forkSignalReader(m, { outFd: 1 });
    process.kill(pid, 'SIGTERM');
    expect(await waitChild(pid)).toMatchObject({ code: null, signal: 'SIGTERM', signo: 15 });
  });

  it('signal names and numbers', () => {
    expect(signalName(11)).toBe('SIGSEGV');
    expect(signalNumber('usr1')).toBe(10);
    expect(signalNumber('SIGBUS')).toBe(7);
    expect(signalNumber('9')).toBe(9);
    expect(() => signalNumber('SIGNOPE')).toThrow(/unknown signal/);
  });

  it('writeAll reports a full disk; readSome reads to the end', () => {
    const full = openSync('/dev/full', 'w');
    try {
      writeAll(full, Buffer.from('x'), 'standard output');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'ENOSPC', message: 'standard output: No space left on device' });
    } finally {
      closeSync(full);
    }
    const zero = openSync('/dev/zero', 'r');
    const buf = Buffer.alloc(10, 1);
    expect(readSome(zero, buf)).toBe(10);
    expect(buf.every((b) => b === 0)).toBe(true);
    closeSync(zero);
  });
});
