import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync, openSync, closeSync, truncateSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openMapping, mapAnonymous, forEachWindow, pageSize as pageSizeOf, probeAccess, isSystemError } from '../src/index.js';
import { asNobody, tempDir, runCommand, errorCode } from '@mm/testkit';
const pageSize = pageSizeOf();

const tmp = tempDir('mm-core-');
const poem = 'I just love\nsharing memories\nwith other processes\n';
const file = (name: string, content: string | Buffer = poem) => {
  const p = join(tmp.path, name);
  writeFileSync(p, content);
  return p;
};
afterAll(() => tmp.cleanup());


describe('file mappings', () => {
  it('a store through a shared mapping is what the file holds afterwards', () => {
    const p = file('shared.txt');
    const m = openMapping(p, { access: 'rw' });
    m.bytes.write('I JUST', 0);
    m.sync();
    expect(readFileSync(p, 'utf8')).toBe('I JUST love\nsharing memories\nwith other processes\n');
    m.unmap();
  });

  it('a store through a private mapping stays in the process; the file is unchanged', () => {
    const p = file('private.txt');
    const m = openMapping(p, { access: 'rw', sharing: 'private' });
    m.bytes.write('XXXX', 0);
    expect(m.bytes.subarray(0, 4).toString()).toBe('XXXX');
    expect(readFileSync(p, 'utf8')).toBe(poem);
    m.unmap();
  });

  it('a non-aligned offset exposes exactly the requested bytes', () => {
    const content = Buffer.alloc(3 * pageSize + 100);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
    const p = file('aligned.bin', content);
    for (const [offset, length] of [[1, 10], [pageSize - 1, 2], [pageSize + 17, pageSize], [3 * pageSize + 99, 1]] as const) {
      const m = openMapping(p, { offset, length });
      expect(m.length).toBe(length);
      expect(Buffer.compare(m.bytes, content.subarray(offset, offset + length))).toBe(0);
      m.unmap();
    }
    const rest = openMapping(p, { offset: 5000 });
    expect(rest.length).toBe(content.length - 5000);
    expect(Buffer.compare(rest.bytes, content.subarray(5000))).toBe(0);
  });

  it('a zero-length file maps to an empty mapping', () => {
    const p = file('empty', '');
    const m = openMapping(p);
    expect(m.length).toBe(0);
    expect(m.bytes.length).toBe(0);
    m.sync();
    m.unmap();
    m.unmap();
  });

  it('create with a size makes the file that long, zero-filled', () => {
    const p = join(tmp.path, 'created.bin');
    const m = openMapping(p, { access: 'rw', create: true, size: 4 });
    expect(statSync(p).size).toBe(4);
    new Int32Array(m.buffer)[0] = 42;
    m.unmap();
    expect(readFileSync(p).readInt32LE(0)).toBe(42);
  });

  it('unmap detaches every view, is idempotent, and later calls throw a clear error', async () => {
    const p = file('unmap.txt');
    const m = openMapping(p, { access: 'rw' });
    const view = new Uint8Array(m.buffer, 2, 5);
    const i32 = new Int32Array(m.buffer, 0, 4);
    m.unmap();
    expect(m.mapped).toBe(false);
    expect(m.bytes.length).toBe(0);
    expect(m.buffer.byteLength).toBe(0);
    expect(view.length).toBe(0);
    expect(i32.length).toBe(0);
    expect(view[0]).toBeUndefined();
    m.unmap();
    expect(errorCode(() => m.sync())).toBe('ERR_MM_UNMAPPED');
    expect(errorCode(() => m.protect('r'))).toBe('ERR_MM_UNMAPPED');
    await expect(probeAccess(m, { op: 'read', offset: 0 })).rejects.toHaveProperty('code', 'ERR_MM_UNMAPPED');
  });

  it('errors carry code, syscall, path and a printable message', () => {
    const missing = join(tmp.path, 'missing');
    try {
      openMapping(missing);
      expect.unreachable();
    } catch (e) {
      expect(isSystemError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'open', path: missing, message: `${missing}: No such file or directory` });
    }
    const dir = join(tmp.path, 'adir');
    mkdirSync(dir);
    expect(errorCode(() => openMapping(dir))).toBe('EISDIR');
    const fifo = join(tmp.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(errorCode(() => openMapping(fifo))).toBe('ENODEV');
    expect(errorCode(() => openMapping('/dev/null'))).toBe('ENODEV');
    const p = file('short.txt', 'abc');
    expect(errorCode(() => openMapping(p, { offset: 4 }))).toBe('EINVAL');
    expect(errorCode(() => openMapping(p, { length: -1 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => openMapping(p, { length: 1.5 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => openMapping(p, { offset: 2 ** 53 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => openMapping(p, { access: 'rwx' as never }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(readFileSync(p, 'utf8')).toBe('abc');
  });

  it('EACCES for a file the user may not write (run as an unprivileged user)', async (ctx) => {
    const nobody = asNobody('the permission test');
    if (!nobody) return ctx.skip();
    const p = file('root-only.txt', 'secret');
    const core = new URL('../dist/index.js', import.meta.url).pathname;
    const r = await runCommand('setpriv', [...nobody, process.execPath, '--input-type=module', '-e',
      `const mm = await import(${JSON.stringify(core)}); try { mm.openMapping(${JSON.stringify(p)}, { access: 'rw' }); console.log('mapped'); } catch (e) { console.log(e.code, e.syscall, e.message); }`]);
    expect(r.stdout.toString().trim()).toBe(`EACCES open ${p}: Permission denied`);
  });

  it('protect() changes what an access does; advise() and discard() keep their kinds apart', async () => {
    const p = file('protect.txt');
    const m = openMapping(p, { access: 'rw' });
    expect((await probeAccess(m, { op: 'write', offset: 0 })).ok).toBe(true);
    m.protect('r');
    expect(await probeAccess(m, { op: 'write', offset: 0 })).toMatchObject({ ok: false, signal: 'SIGSEGV' });
    expect(await probeAccess(m, { op: 'read', offset: 0 })).toMatchObject({ ok: true, value: 'I'.charCodeAt(0) });
    m.protect('none');
    expect(await probeAccess(m, { op: 'read', offset: 0 })).toMatchObject({ ok: false, signal: 'SIGSEGV' });
    m.protect('rw');
    m.advise('sequential');
    expect(errorCode(() => m.advise('dontneed' as never))).toBe('ERR_INVALID_ARG_VALUE');
    m.lock();
    m.unlock();
    m.unmap();
    const anon = mapAnonymous(pageSize, { sharing: 'private' });
    anon.bytes.fill(7);
    anon.discard('dontneed');
    expect(anon.bytes.every((b) => b === 0)).toBe(true);
  });

  it('a write through a shared mapping reaches another process', async () => {
    const p = file('ipc.bin', Buffer.alloc(8));
    const m = openMapping(p, { access: 'rw' });
    const core = new URL('../dist/index.js', import.meta.url).pathname;
    new Int32Array(m.buffer)[1] = 123456;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e',
      `const mm = await import(${JSON.stringify(core)}); const m = mm.openMapping(${JSON.stringify(p)}, { access: 'rw' }); console.log(new Int32Array(m.buffer)[1]); new Int32Array(m.buffer)[0] = 99;`]);
    expect(r.stdout.toString().trim()).toBe('123456');
    expect(new Int32Array(m.buffer)[0]).toBe(99);
  });

  it('running off the end: the last page reads zero, a longer mapping gives SIGBUS, a guard page SIGSEGV', async () => {
    const p = file('ends.txt');
    const m = openMapping(p, { access: 'rw' });
    expect(await probeAccess(m, { op: 'read', offset: poem.length + 10 })).toMatchObject({ ok: true, value: 0 });
    const long = openMapping(p, { length: 3 * pageSize });
    expect(await probeAccess(long, { op: 'read', offset: 2 * pageSize })).toMatchObject({ ok: false, signal: 'SIGBUS', signo: 7 });
    const guarded = openMapping(p, { guard: true });
    expect(await probeAccess(guarded, { op: 'read', offset: pageSize })).toMatchObject({ ok: false, signal: 'SIGSEGV', signo: 11 });
  });

  it('forEachWindow walks a file in windows whose bytes concatenate to the file', () => {
    const content = Buffer.alloc(5 * pageSize + 123);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31 + 5) & 0xff;
    const p = file('windows.bin', content);
    const seen: Buffer[] = [];
    const offsets: number[] = [];
    const n = forEachWindow(p, { windowSize: 2 * pageSize, offset: 100 }, (w, off) => {
      seen.push(Buffer.from(w.bytes));
      offsets.push(off);
    });
    expect(n).toBe(content.length - 100);
    expect(Buffer.compare(Buffer.concat(seen), content.subarray(100))).toBe(0);
    expect(offsets[0]).toBe(100);
    expect(offsets[1]).toBe(2 * pageSize);
    let visits = 0;
    forEachWindow(p, { windowSize: pageSize }, () => {
      visits++;
      return false;
    });
    expect(visits).toBe(1);
    expect(forEachWindow(file('none', ''), {}, () => undefined)).toBe(0);
  });

  it('a truncated file makes write(2) from its mapping fail with an error, not SIGBUS', async () => {
    const p = file('shrink.bin', Buffer.alloc(4 * pageSize, 65));
    const { writeAll } = await import('../src/index.js');
    const m = openMapping(p);
    truncateSync(p, pageSize);
    const out = openSync(join(tmp.path, 'out.bin'), 'w');
    try {
      writeAll(out, m.bytes, 'out.bin');
      expect.unreachable();
    } catch (e) {
      expect(['EFAULT', 'EIO']).toContain((e as { code: string }).code);
    } finally {
      closeSync(out);
    }
  });
});

describe('garbage collection', () => {
  it('an unreferenced mapping leaves /proc/self/maps after GC; unmap + GC never unmaps a later mapping', async () => {
    const core = new URL('../dist/index.js', import.meta.url).pathname;
    const a = file('gc-a.bin', Buffer.alloc(pageSize * 4, 1));
    const b = file('gc-b.bin', Buffer.alloc(pageSize * 4, 2));
    const script = `
      const mm = await import(${JSON.stringify(core)});
      const fs = await import('node:fs');
      const inMaps = (p) => fs.readFileSync('/proc/self/maps', 'utf8').includes(p);
      const tick = () => new Promise((r) => setTimeout(r, 20));
      (() => { const m = mm.openMapping(${JSON.stringify(a)}); console.log('mapped', inMaps(${JSON.stringify(a)}), m.length); })();
      for (let i = 0; i < 5 && inMaps(${JSON.stringify(a)}); i++) { globalThis.gc(); await tick(); }
      console.log('after gc', inMaps(${JSON.stringify(a)}));
      // unmap explicitly, map another file (often at the same address), then let GC finalize the first buffer
      let first = mm.openMapping(${JSON.stringify(a)});
      first.unmap(); first = null;
      const second = mm.openMapping(${JSON.stringify(b)});
      for (let i = 0; i < 5; i++) { globalThis.gc(); await tick(); }
      console.log('second still mapped', inMaps(${JSON.stringify(b)}), second.bytes[0], second.bytes[second.length - 1]);
    `;
    const r = await runCommand(process.execPath, ['--expose-gc', '--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toEqual(['mapped true 16384', 'after gc false', 'second still mapped true 2 2']);
  });
});
