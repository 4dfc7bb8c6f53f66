import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, runCommand } from '@mm/testkit';

const tmp = tempDir('mm-core-workers-');
afterAll(() => tmp.cleanup());
const core = new URL('../dist/index.js', import.meta.url).pathname;

describe('worker threads', () => {
  it('the main thread and two workers map and use mappings, before and after the workers exit', async () => {
    const p = join(tmp.path, 'shared.bin');
    writeFileSync(p, Buffer.alloc(4096));
    // Worker code is evaluated as a module (the main script runs with --input-type=module).
    const worker = `
      import { parentPort, workerData } from 'node:worker_threads';
      const mm = await import(workerData.core);
      const a = mm.mapAnonymous(4096);
      const n = mm.incrementLoop(a, { atomic: true, count: 1000 });
      const f = mm.openMapping(workerData.file, { access: 'rw' });
      mm.incrementLoop(f, { atomic: true, count: 500, offset: 8 * workerData.id });
      parentPort.postMessage('worker ' + workerData.id + ' ' + n);
      parentPort.once('message', () => { f.unmap(); parentPort.close(); });
    `;
    const script = `
      const mm = await import(${JSON.stringify(core)});
      const { Worker } = await import('node:worker_threads');
      const use = (label) => {
        const m = mm.mapAnonymous(4096);
        const f = mm.openMapping(${JSON.stringify(p)}, { access: 'rw' });
        console.log(label, mm.incrementLoop(m, { atomic: true, count: 7 }), mm.incrementLoop(f, { atomic: true, count: 0, offset: 8 }), f.faults);
        m.unmap();
        f.unmap();
      };
      use('main before');
      const workers = [1, 2].map((id) => new Worker(${JSON.stringify(worker)}, { eval: true, workerData: { core: ${JSON.stringify(core)}, file: ${JSON.stringify(p)}, id } }));
      const said = await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
      console.log(said.sort().join(', '));
      use('main during');
      await Promise.all(workers.map((w) => { const done = new Promise((r) => w.once('exit', r)); w.postMessage('bye'); return done; }));
      use('main after');
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 20));
      use('main after gc');
    `;
    const r = await runCommand(process.execPath, ['--expose-gc', '--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.signal).toBe(null);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toEqual([
      'main before 7 0 0',
      'worker 1 1000, worker 2 1000',
      'main during 7 500 0',
      'main after 7 500 0',
      'main after gc 7 500 0',
    ]);
  });

  it('the native record formatter, first loaded inside a worker, formats a mapped file as the main thread does, also after the worker exits', async () => {
    const p = join(tmp.path, 'records.bin');
    const rec = Buffer.alloc(8 * 3);
    [[1, -5], [4294967295, 2147483647], [42, -2147483648]].forEach(([id, v], i) => {
      rec.writeUInt32LE(id, 8 * i);
      rec.writeInt32LE(v, 8 * i + 4);
    });
    writeFileSync(p, rec);
    const format = `(mm, file) => {
      const plan = mm.compileRecordPlan({ format: 'json', fields: [{ kind: 'u32', offset: 0, before: '{"id":' }, { kind: 'i32', offset: 4, before: ',"v":' }], end: '}\\n' });
      const m = mm.openMapping(file, { access: 'r' });
      const out = Buffer.alloc(4096);
      const r = mm.formatRecords(plan, m.bytes, 0, 3, 8, out, 0);
      m.unmap();
      return out.subarray(0, r.outPos).toString();
    }`;
    const worker = `
      import { parentPort, workerData } from 'node:worker_threads';
      const mm = await import(workerData.core);
      parentPort.postMessage((${format})(mm, workerData.file));
    `;
    const script = `
      const { Worker } = await import('node:worker_threads');
      const w = new Worker(${JSON.stringify(worker)}, { eval: true, workerData: { core: ${JSON.stringify(core)}, file: ${JSON.stringify(p)} } });
      const fromWorker = await new Promise((r) => w.once('message', r));
      await new Promise((r) => w.once('exit', r));
      const mm = await import(${JSON.stringify(core)});
      process.stdout.write(fromWorker + '--\\n' + (${format})(mm, ${JSON.stringify(p)}));
    `;
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', script]);
    expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
    const lines = '{"id":1,"v":-5}\n{"id":4294967295,"v":2147483647}\n{"id":42,"v":-2147483648}\n';
    expect(r.stdout.toString()).toBe(`${lines}--\n${lines}`);
  });
});
