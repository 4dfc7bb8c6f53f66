// mm-anon: a 1 GiB file streamed through the forked child's shared ring into a pipe, vs cat
// (goal ≤ 1.5× cat); 1 GiB from a pipe; start-up on a tiny input; and the peak RSS of a
// 5 GiB sparse file streamed through (goal ≤ 100 MiB: the ring is reused, not grown).
export default async function (b) {
  b.section('mm-anon');
  b.sh(`head -c 1073741824 /dev/urandom > big.bin && cat big.bin > /dev/null`);
  // Byte-exact first, then timed.
  console.log(b.sh('mm-anon --delay 0 big.bin | cmp - big.bin && echo "1 GiB through mm-anon: identical (cmp)"', { capture: true }).trim());
  b.compare('1 GiB file into a pipe', { label: 'mm-anon --delay 0', cmd: 'mm-anon --delay 0 big.bin | cat > /dev/null' }, { label: 'cat', cmd: 'cat big.bin | cat > /dev/null' }, { runs: 9, warmup: 1, goal: 1.5 });
  b.compare('1 GiB from a pipe into a pipe', { label: 'mm-anon --delay 0', cmd: 'cat big.bin | mm-anon --delay 0 | cat > /dev/null' }, { label: 'cat', cmd: 'cat big.bin | cat | cat > /dev/null' }, { runs: 5, warmup: 1 });
  b.sh('head -c 4096 big.bin > small.bin');
  b.compare('start-up: 4 KiB', { label: 'mm-anon --delay 0', cmd: 'mm-anon --delay 0 small.bin > /dev/null' }, { label: 'node -e 0', cmd: `${process.execPath} -e 0` }, { runs: 15, warmup: 2 });
  b.sh('rm -f big.bin small.bin && truncate -s 5G sparse.bin && printf end >> sparse.bin');
  // Peak RSS from GNU time's %M (KiB): the largest of mm-anon and its child.
  const peak = Number(b.sh('/usr/bin/time -f %M mm-anon --delay 0 sparse.bin 2>&1 >/dev/null | tail -1', { capture: true }).trim());
  const tail = b.sh('mm-anon --delay 0 sparse.bin | tail -c 3', { capture: true });
  console.log(`peak RSS streaming a 5 GiB sparse file: ${(peak / 1024).toFixed(1)} MiB (goal ≤ 100 MiB); it ends with ${JSON.stringify(tail)}\n  $ /usr/bin/time -f %M mm-anon --delay 0 sparse.bin > /dev/null`);
  b.record('peak RSS, 5 GiB sparse file to /dev/null', { ours: { label: 'mm-anon --delay 0', value: peak, cmd: '/usr/bin/time -f %M mm-anon --delay 0 sparse.bin > /dev/null' }, unit: 'KiB', goal: 100 * 1024, goalOf: 'value' });
  b.sh('rm -f sparse.bin');
}
