// mm-maps --who: every process that maps or holds a file, over all of /proc, vs psmisc's
// `fuser -v FILE` and `lsof FILE`, in paired runs. The file is held by three processes: two map
// it (mm-maps --wait) and one reads it (a sleep with the file on stdin), while everything else
// running on the machine is scanned too. One CLI run is mostly Node's start-up, so the suite
// also times 20 scans from one process through core's findHolders against 20 fuser runs.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('mm-maps --who');
  const missing = ['fuser', 'lsof'].filter((c) => b.sh(`command -v ${c} || true`, { capture: true }).trim() === '');
  if (missing.length > 0) {
    console.log(`skipping mm-maps --who vs fuser and lsof: ${missing.join(' and ')} not installed (apt-get install psmisc lsof)`);
    return;
  }
  b.sh('head -c 1048576 /dev/urandom > held.bin');
  const pids = [
    b.sh('mm-maps --wait held.bin > /dev/null 2>&1 < /dev/null & echo $!', { capture: true }).trim(),
    b.sh('mm-maps --wait held.bin > /dev/null 2>&1 < /dev/null & echo $!', { capture: true }).trim(),
    b.sh('sleep 600 < held.bin > /dev/null 2>&1 & echo $!', { capture: true }).trim(),
  ];
  try {
    b.sh(`for i in $(seq 200); do grep -q held.bin /proc/${pids[0]}/maps && grep -q held.bin /proc/${pids[1]}/maps && break; sleep 0.05; done; sleep 0.3`, { allowFail: true });
    const found = b.sh('mm-maps --who held.bin --no-header 2>/dev/null | wc -l', { capture: true }).trim();
    const processes = b.sh("ls /proc | grep -c '^[0-9]'", { capture: true }).trim();
    console.log(`target: a 1 MiB file mapped by 2 processes and read by 1; ${processes} processes on the machine; mm-maps --who finds ${found}`);
    const opts = { runs: 15, warmup: 2 };
    const fuser = b.compare('who holds the file: vs fuser', { label: 'mm-maps --who', cmd: 'mm-maps --who held.bin > /dev/null 2>&1' }, { label: 'fuser -v', cmd: 'fuser -v held.bin > /dev/null 2>&1' }, opts);
    const lsof = b.compare('who holds the file: vs lsof', { label: 'mm-maps --who', cmd: 'mm-maps --who held.bin > /dev/null 2>&1' }, { label: 'lsof', cmd: 'lsof held.bin > /dev/null 2>&1' }, opts);
    const ours = Math.min(fuser.a.median, lsof.a.median);
    const faster = Math.min(fuser.b.median, lsof.b.median);
    console.log(`  ratio mm-maps --who / faster of fuser and lsof = ${(ours / faster).toFixed(2)} (goal ≤ 1.0)`);
    b.time('mm-maps --who --json', 'mm-maps --who held.bin --json > /dev/null 2>&1', opts);
    b.time('Node start-up alone (node -e 0), the floor of any mm tool', `${process.execPath} -e 0`, opts);
    const core = pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href;
    const twenty = `${process.execPath} --input-type=module -e "const m = await import('${core}'); const t = m.fileTarget('held.bin'); let n = 0; for (let i = 0; i < 20; i++) n += m.findHolders([t]).holders[0].length; process.stdout.write(String(n))" > /dev/null`;
    b.compare('20 scans: findHolders in one process vs 20 fuser -v runs', { label: 'findHolders x20', cmd: twenty }, { label: 'fuser -v x20', cmd: 'for i in $(seq 20); do fuser -v held.bin; done > /dev/null 2>&1' }, { runs: 5, warmup: 1 });
  } finally {
    b.sh(`kill ${pids.join(' ')}`, { allowFail: true });
  }
}
