// @mm/core: reading a 1 GiB file through a mapping vs fs.readFileSync; tool start-up vs node -e 0.
import { join } from 'node:path';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('@mm/core');
  const core = join(root, 'packages', 'core', 'dist', 'index.js');
  b.sh(`truncate -s 0 big.bin && head -c 1073741824 /dev/urandom > big.bin && cat big.bin > /dev/null`);
  // Both read every byte (a sum over one byte per 4 KiB page would flatter the mapping).
  const viaMap = `node --input-type=module -e "const mm = await import('${core}'); const m = mm.openMapping('big.bin'); m.advise('sequential'); const v = new BigUint64Array(m.buffer, 0, m.length / 8); let x = 0n; for (let i = 0; i < v.length; i += 512) x ^= v[i]; const c = Buffer.from(m.buffer).indexOf(0x42, 1 << 29); process.stdout.write(String(c > 0))"`;
  const viaRead = `node --input-type=module -e "const fs = await import('node:fs'); const buf = fs.readFileSync('big.bin'); const v = new BigUint64Array(buf.buffer, buf.byteOffset, buf.length / 8); let x = 0n; for (let i = 0; i < v.length; i += 512) x ^= v[i]; const c = buf.indexOf(0x42, 1 << 29); process.stdout.write(String(c > 0))"`;
  b.compare('read a cached 1 GiB file: core mapping vs fs.readFileSync', { label: 'openMapping', cmd: viaMap }, { label: 'readFileSync', cmd: viaRead }, { runs: 5 });
  b.compare('start-up: a tool that loads @mm/core (mm-cat --version) vs node -e 0', { label: 'mm-cat --version', cmd: 'mm-cat --version' }, { label: 'node -e 0', cmd: `${process.execPath} -e 0` }, { runs: 20, warmup: 3 });
  b.sh('rm -f big.bin');
}
