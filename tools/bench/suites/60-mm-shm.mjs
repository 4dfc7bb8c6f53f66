// mm-shm: streaming a 256 MiB and a 2 GiB shared-memory object out (write(2) straight from
// the mapping; goal ≤ 1.2× cat) and in (stdin → mapping) against cat on /dev/shm; listing
// against ls -l.
export default async function (b) {
  b.section('mm-shm');
  const name = `mmbench_shm_${process.pid}`;
  const peer = `mmbench_cat_${process.pid}`;
  try {
    // Start-up alone, to subtract from the tool's times below (the peers are C programs).
    b.time('start-up: mm-shm --version', 'mm-shm --version', { runs: 10, warmup: 2 });
    b.sh(`head -c 268435456 /dev/urandom > big.bin && mm-shm write ${name} --truncate < big.bin && cp big.bin /dev/shm/${peer}`);
    b.compare(
      'read a 256 MiB object into a pipe',
      { label: 'mm-shm read', cmd: `mm-shm read ${name} | wc -c` },
      { label: 'cat /dev/shm/…', cmd: `cat /dev/shm/${peer} | wc -c` },
      { runs: 11, goal: 1.2 },
    );
    b.compare(
      'write 256 MiB from a file into an object: mm-shm write --truncate vs cat > /dev/shm/…',
      { label: 'mm-shm write', cmd: `mm-shm write ${name} --truncate < big.bin` },
      { label: 'cat >', cmd: `cat big.bin > /dev/shm/${peer}` },
      { runs: 7 },
    );
    b.compare(
      'write 256 MiB through a pipe: … | mm-shm write vs … | cat > /dev/shm/…',
      { label: 'mm-shm write (pipe)', cmd: `cat big.bin | mm-shm write ${name} --truncate` },
      { label: 'cat > (pipe)', cmd: `cat big.bin | cat > /dev/shm/${peer}` },
      { runs: 7 },
    );
    b.sh(`cmp big.bin /dev/shm/${name}`);
    // 2 GiB: one object, read by both (its pages are the same memory for mm-shm and cat).
    b.sh(`rm -f /dev/shm/${peer} && head -c 2147483648 /dev/urandom > /dev/shm/${name}`);
    b.compare(
      'read a 2 GiB object into a pipe',
      { label: 'mm-shm read', cmd: `mm-shm read ${name} | wc -c` },
      { label: 'cat /dev/shm/…', cmd: `cat /dev/shm/${name} | wc -c` },
      { runs: 5, goal: 1.2 },
    );
    console.log(b.sh(`mm-shm read ${name} | cmp - /dev/shm/${name} && echo "2 GiB read: identical (cmp)"`, { capture: true }).trim());
    b.compare('list /dev/shm: mm-shm ls vs ls -l', { label: 'mm-shm ls', cmd: 'mm-shm ls' }, { label: 'ls -l', cmd: 'ls -l /dev/shm' }, { runs: 15, warmup: 2 });
  } finally {
    b.sh(`rm -f big.bin /dev/shm/${name} /dev/shm/${peer}`);
  }
}
