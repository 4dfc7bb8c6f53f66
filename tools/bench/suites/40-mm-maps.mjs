// mm-maps: listing another process's mappings (maps, then smaps with -x) vs procps pmap.
// The target is an idle node process (~130 mappings), a typical thing to look at.
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
    b.time('mm-maps --json of the same process', `mm-maps -p ${pid} -x --json`, { runs: 15, warmup: 2 });
  } finally {
    b.sh(`kill ${pid}`, { allowFail: true });
  }
}
