// mm-cat vs GNU cat: a cached 1 GiB file into a pipe and into a file (goal: ratio ≤ 1.0),
// start-up on a 1-byte file vs `node -e 0` (goal ≤ 1.3), peak RSS streaming a 5 GiB sparse
// file (goal ≤ 200 MiB). Also times plain (unpopulated) windows, to show what MAP_POPULATE buys.
import { join } from 'node:path';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('mm-cat');
  const lib = join(root, 'packages', 'mm-cat', 'dist', 'index.js');
  // Two kinds of "cached": pages left by the writes that made the file (small folios), and
  // pages brought in by reading it (readahead builds large folios, which the kernel can map
  // with fewer, bigger page-table entries). cat reads through the kernel's own mapping and
  // hardly cares; a mapping pays per page-table entry, so the two are timed apart.
  b.sh('head -c 1073741824 /dev/urandom > big.bin && cat big.bin > /dev/null && printf x > one.txt');
  b.compare('1 GiB file cached by the writes that made it, into a pipe', { label: 'mm-cat', cmd: 'mm-cat big.bin | cat > /dev/null' }, { label: 'cat', cmd: 'cat big.bin | cat > /dev/null' }, { runs: 5, goal: 1.0 });
  b.sh('dd if=big.bin iflag=nocache count=0 status=none && cat big.bin > /dev/null');
  b.compare('1 GiB file cached by reading it, into a pipe', { label: 'mm-cat', cmd: 'mm-cat big.bin | cat > /dev/null' }, { label: 'cat', cmd: 'cat big.bin | cat > /dev/null' }, { runs: 5, goal: 1.0 });
  b.time(
    'same, mapped windows without MAP_POPULATE (library, populate: false)',
    `${process.execPath} --input-type=module -e "const m = await import('${lib}'); m.catFile('big.bin', { populate: false })" | cat > /dev/null`,
    { runs: 5 },
  );
  b.compare('1 GiB file cached by reading it, into a file', { label: 'mm-cat', cmd: 'mm-cat big.bin > out.bin' }, { label: 'cat', cmd: 'cat big.bin > out.bin' }, { runs: 5, goal: 1.0 });
  b.sh('rm -f out.bin');

  // The bin, as a user runs it (its sh lines, code cache and bundle); `startup` times it installed from the tarball.
  b.compare('start-up on a 1-byte file', { label: 'mm-cat one.txt', cmd: 'mm-cat one.txt' }, { label: 'node -e 0', cmd: `${process.execPath} -e 0` }, { runs: 30, warmup: 3, goal: 1.3 });

  b.sh('rm -f big.bin && truncate -s 5G sparse.bin && printf end >> sparse.bin');
  // Peak RSS from GNU time's %M (KiB): the bin's sh lines exec node, so this is mm-cat itself.
  const peak = (cmd) => Number(b.sh(`/usr/bin/time -f %M ${cmd} 2>&1 >/dev/null | tail -1`, { capture: true }).trim());
  const ours = peak('mm-cat sparse.bin');
  const gnu = peak('cat sparse.bin');
  console.log(`peak RSS streaming a 5 GiB sparse file to /dev/null: mm-cat ${(ours / 1024).toFixed(1)} MiB (goal ≤ 200 MiB), cat ${(gnu / 1024).toFixed(1)} MiB\n  $ /usr/bin/time -f %M mm-cat sparse.bin > /dev/null`);
  b.record('peak RSS, 5 GiB sparse file to /dev/null', { ours: { label: 'mm-cat', value: ours, cmd: '/usr/bin/time -f %M mm-cat sparse.bin > /dev/null' }, peer: { label: 'cat', value: gnu, cmd: '/usr/bin/time -f %M cat sparse.bin > /dev/null' }, unit: 'KiB', goal: 200 * 1024, goalOf: 'value' });
  b.sh('rm -f sparse.bin one.txt');
}
