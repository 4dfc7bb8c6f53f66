// mm-shm: streaming a 256 MiB shared-memory object out (write(2) straight from the mapping)
// and in (stdin → mapping) against cat on /dev/shm; listing against ls -l.
export default async function (b) {
  b.section('mm-shm');
  const name = `mmbench_shm_${process.pid}`;
  const peer = `mmbench_cat_${process.pid}`;
  try {
    // Start-up alone, to subtract from the tool's times below (the peers are C programs).
    b.time('start-up: mm-shm --version', 'mm-shm --version', { runs: 10, warmup: 2 });
    b.sh(`head -c 268435456 /dev/urandom > big.bin && mm-shm write ${name} --truncate < big.bin && cp big.bin /dev/shm/${peer}`);
    b.compare(
      'read a 256 MiB object into a pipe: mm-shm read vs cat /dev/shm/…',
      { label: 'mm-shm read', cmd: `mm-shm read ${name} | wc -c` },
      { label: 'cat', cmd: `cat /dev/shm/${peer} | wc -c` },
      { runs: 7 },
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
    b.compare('list /dev/shm: mm-shm ls vs ls -l', { label: 'mm-shm ls', cmd: 'mm-shm ls' }, { label: 'ls -l', cmd: 'ls -l /dev/shm' }, { runs: 15, warmup: 2 });
  } finally {
    b.sh(`rm -f big.bin /dev/shm/${name} /dev/shm/${peer}`);
  }
}
