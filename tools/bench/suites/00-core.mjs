// @mm/core: reading a 1 GiB file through a mapping vs fs.readFileSync; tool start-up vs node -e 0.
import { join } from 'node:path';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('@mm/core');
  const core = join(root, 'packages', 'core', 'dist', 'index.js');
  b.sh(`truncate -s 0 big.bin && head -c 1073741824 /dev/urandom > big.bin && cat big.bin > /dev/null`);
  // Both touch every 4 KiB page of the file once (one 8-byte word per page): the mapping pays
  // a page fault per page (or per fault-around batch), readFileSync pays a 1 GiB copy first.
  const touch = "let x = 0n; for (let i = 0; i < v.length; i += 512) x ^= v[i]; process.stdout.write(String(x !== -1n))";
  const viaMap = `node --input-type=module -e "const mm = await import('${core}'); const m = mm.openMapping('big.bin'); m.advise('sequential'); const v = new BigUint64Array(m.buffer); ${touch}"`;
  const viaRead = `node --input-type=module -e "const fs = await import('node:fs'); const b = fs.readFileSync('big.bin'); const v = new BigUint64Array(b.buffer, b.byteOffset, b.length / 8); ${touch}"`;
  b.compare('read a cached 1 GiB file: core mapping vs fs.readFileSync', { label: 'openMapping', cmd: viaMap }, { label: 'readFileSync', cmd: viaRead }, { runs: 5 });
  b.compare('start-up: a tool that loads @mm/core (mm-cat --version) vs node -e 0', { label: 'mm-cat --version', cmd: 'mm-cat --version' }, { label: 'node -e 0', cmd: `${process.execPath} -e 0` }, { runs: 20, warmup: 3 });
  b.sh('rm -f big.bin');
}
