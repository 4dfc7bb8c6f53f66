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
});
