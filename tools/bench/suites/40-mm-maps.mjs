// mm-maps: listing another process's mappings (maps, then smaps with -x) vs procps pmap.
// The target is an idle node process (~100 mappings), a typical thing to look at. One run of
// the CLI is mostly Node's start-up, so the suite also times `node -e 0` and, to show the
// cost of the work itself, 50 listings from one process via the library vs 50 pmap runs.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../harness.mjs';

export default async function (b) {
  b.section('mm-maps');
  if (b.sh('command -v pmap || true', { capture: true }).trim() === '') {
    console.log('skipping mm-maps vs pmap: pmap (procps) is not installed');
    return;
  }
  const pid = b.sh(`${process.execPath} -e "setTimeout(() => {}, 600000)" > /dev/null 2>&1 & echo $!`, { capture: true }).trim();
  b.sh(`for i in $(seq 100); do grep -q '\\[stack\\]' /proc/${pid}/maps && break; sleep 0.05; done; sleep 0.5`);
  try {
    const lines = b.sh(`wc -l < /proc/${pid}/maps`, { capture: true }).trim();
    console.log(`target: node, PID ${pid}, ${lines} mappings`);
    b.compare('list another process (maps)', { label: 'mm-maps -p', cmd: `mm-maps -p ${pid}` }, { label: 'pmap', cmd: `pmap ${pid}` }, { runs: 15, warmup: 2 });
    b.compare('with smaps columns and totals', { label: 'mm-maps -p -x', cmd: `mm-maps -p ${pid} -x` }, { label: 'pmap -x', cmd: `pmap -x ${pid}` }, { runs: 15, warmup: 2 });
    b.time('mm-maps -x --json of the same process', `mm-maps -p ${pid} -x --json`, { runs: 15, warmup: 2 });
    b.time('Node start-up alone (node -e 0), the floor of any mm tool', `${process.execPath} -e 0`, { runs: 15, warmup: 2 });
    const lib = pathToFileURL(join(root, 'packages', 'mm-maps', 'dist', 'index.js')).href;
    const fifty = `${process.execPath} --input-type=module -e "const m = await import('${lib}'); let n = 0; for (let i = 0; i < 50; i++) n += m.formatListing(m.readView(${pid}, { extended: true }).rows, { extended: true, header: true }).length; process.stdout.write(String(n))" > /dev/null`;
    b.compare('50 smaps listings: library in one process vs 50 pmap -x runs', { label: 'readView+formatListing x50', cmd: fifty }, { label: 'pmap -x x50', cmd: `for i in $(seq 50); do pmap -x ${pid}; done > /dev/null` }, { runs: 5, warmup: 1 });
  } finally {
    b.sh(`kill ${pid}`, { allowFail: true });
  }
}
