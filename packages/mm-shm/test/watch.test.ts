import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { createObject, writeObject } from '../src/objects.js';
import { watchObject } from '../src/watch.js';
import { hexDump } from '../src/hexdump.js';
import { shmUnlink } from '@mm/core';
import { haveCommand, runBash, tempDir } from '@mm/testkit';
import { BIN, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('watch');

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Writes `text` into object `name` at offset 0 (the library call behind mm-shm write). */
function put(name: string, text: string): void {
  const file = join(tmp.path, 'in');
  writeFileSync(file, text);
  const fd = openSync(file, 'r');
  try {
    writeObject(name, fd);
  } finally {
    closeSync(fd);
  }
}

const collect = (s: PassThrough): (() => string) => {
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
};

describe('watchObject (library)', () => {
  it('prints a dump at start and a new one on each change, and ends when the object is removed', async () => {
    const n = newName();
    createObject(n, { size: 64 });
    const out = new PassThrough();
    const text = collect(out);
    const done = watchObject(n, { interval: 5, out });
    await new Promise((r) => setTimeout(r, 100));
    put(n, 'first');
    await new Promise((r) => setTimeout(r, 100));
    put(n, 'second!');
    await new Promise((r) => setTimeout(r, 100));
    shmUnlink(n);
    expect(await done).toEqual({ reason: 'removed', frames: 3 });
    const frames = text().split(/^--- .*---\n/m).slice(1);
    const headers = text().match(/^--- .*---$/gm);
    expect(headers).toHaveLength(3);
    for (const h of headers!) expect(h).toMatch(new RegExp(`^--- ${n}: 64 bytes at \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ---$`));
    const bytes = (s: string): Buffer => Buffer.concat([Buffer.from(s), Buffer.alloc(64 - s.length)]);
    expect(frames).toEqual([hexDump(Buffer.alloc(64), { squeeze: true }), hexDump(bytes('first'), { squeeze: true }), hexDump(bytes('second!'), { squeeze: true })]);
  });

  it('notices a change of size, shows --offset/--length, and stops when aborted', async () => {
    const n = newName();
    put(n, 'abcdefgh');
    const out = new PassThrough();
    const text = collect(out);
    const stop = new AbortController();
    const done = watchObject(n, { interval: 5, out, offset: 2, length: 4, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 100));
    truncateSync(`/dev/shm/${n}`, 3); // another process cuts the object
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await done).toEqual({ reason: 'stopped', frames: 2 });
    expect(text()).toMatch(new RegExp(`^--- ${n}: bytes 2..6 of 8 at .* ---\\n00000002: 6364 6566 +cdef\\n--- ${n}: bytes 2..3 of 3 at .* ---\\n00000002: 63 +c\\n$`));
    shmUnlink(n);
  });

  it('a missing object is an error before anything is drawn', async () => {
    const out = new PassThrough();
    const text = collect(out);
    const n = newName();
    await expect(watchObject(n, { out })).rejects.toThrow(`${n}: No such file or directory`);
    expect(text()).toBe('');
  });
});

describe('mm-shm watch (CLI)', () => {
  it('piped: Ctrl-C (SIGINT) ends it cleanly with exit 0 after the first dump', async () => {
    const n = newName();
    await shm(['write', n], { input: 'Hello' });
    const child = spawn(process.execPath, [BIN, 'watch', n, '--interval', '20'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('Hello') && resolve())));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(new RegExp(`^--- ${n}: 5 bytes at .* ---\\n00000000: 4865 6c6c 6f +Hello\\n$`));
    await shm(['rm', n]);
  });

  it('on a terminal it redraws in place and ends when the object is removed', async (ctx) => {
    if (!haveCommand('script', 'the terminal test of watch (script gives it a pty)')) return ctx.skip();
    const n = newName();
    await shm(['create', n, '--size', '32']);
    // script(1) runs watch on a pty and logs what it drew; meanwhile, once the first frame
    // is there, the object changes; once the second is there, it is removed.
    const log = join(tmp.path, 'typescript');
    const frames = (k: number): string => `until [ "$(grep -o 'Every 20ms' ${log} 2>/dev/null | wc -l)" -ge ${k} ]; do sleep 0.05; done`;
    const r = await runBash(
      `( ${frames(1)}; printf 'XY' | "${process.execPath}" "${BIN}" write ${n} --offset 5; ${frames(2)}; rm -f /dev/shm/${n} ) &
       TERM=xterm script -qfec '"${process.execPath}" "${BIN}" watch ${n} --interval 20' ${log} >/dev/null; echo "exit $?"; wait; cat ${log}`,
      { env: { NO_COLOR: '1' } },
    );
    const tty = r.stdout.toString();
    expect(tty.startsWith('exit 0\n')).toBe(true);
    expect(tty.slice(tty.indexOf('\x1b[?25l')).startsWith('\x1b[?25l\x1b[2J\x1b[HEvery 20ms: mm-shm watch ' + n + '   32 bytes   ')).toBe(true);
    const drawn = tty.split('\x1b[H').slice(1);
    expect(drawn).toHaveLength(2);
    expect(drawn[0]).toContain('00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................\x1b[K\r\n');
    expect(drawn[1]).toContain('00000000: 0000 0000 0058 5900 0000 0000 0000 0000  .....XY.........\x1b[K\r\n');
    expect(tty).toContain('\x1b[?25h');
    expect(tty).toContain(`mm-shm: ${n}: removed`);
  });
});
