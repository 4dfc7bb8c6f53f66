// mm-anon: a 1 GiB file through the forked child into a pipe, vs cat (goal ≤ 1.5× cat),
// and vs the same design in C (tools/bench/mm-anon/anon-ref.c, compiled here when cc exists),
// which separates what Node.js costs from what the design costs (the copy into fresh memory).
import { join } from 'node:path';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('mm-anon');
  b.sh(`head -c 1073741824 /dev/urandom > big.bin && cat big.bin > /dev/null`);
  // 1 GiB must work: check the bytes once before timing.
  console.log(b.sh('mm-anon --delay 0 big.bin | cmp - big.bin && echo "1 GiB through mm-anon: identical (cmp)"', { capture: true }).trim());
  const opts = { runs: 5, warmup: 1 };
  b.compare('1 GiB file through a forked child into a pipe: mm-anon --delay 0 vs cat', { label: 'mm-anon', cmd: 'mm-anon --delay 0 big.bin | cat > /dev/null' }, { label: 'cat', cmd: 'cat big.bin | cat > /dev/null' }, { ...opts, goal: 1.5 });
  const haveCc = b.sh('command -v cc > /dev/null && echo yes', { capture: true, allowFail: true }).trim() === 'yes';
  if (haveCc) {
    b.sh(`cc -O2 -o anon-ref ${join(root, 'tools', 'bench', 'mm-anon', 'anon-ref.c')}`);
    b.compare('the same, vs the design in C (fresh shared memory, fork, sigwait, write)', { label: 'mm-anon', cmd: 'mm-anon --delay 0 big.bin | cat > /dev/null' }, { label: 'anon-ref.c', cmd: './anon-ref big.bin | cat > /dev/null' }, opts);
  } else {
    console.log('skipping the C reference: cc is not installed');
  }
  b.time('1 GiB from a pipe (read in full before the fork is signalled)', 'cat big.bin | mm-anon --delay 0 | cat > /dev/null', { runs: 3, warmup: 0 });
  b.time('start-up and a tiny input: mm-anon --delay 0 on 4 KiB', 'head -c 4096 big.bin > small.bin && mm-anon --delay 0 small.bin > /dev/null', { runs: 10, warmup: 2 });
  b.sh('rm -f big.bin small.bin anon-ref');
}
