// Tour stop: the lab's fsipc counter — one instance, three racing with `none`, then `atomic`.
export default async function (t) {
  t.section('mm-counter — a shared-file counter, raced and made exact');
  t.say('One instance maps counter.bin shared and increments the int32 in it 10^8 times:');
  t.run('rm -f counter.bin && mm-counter counter.bin -n 1e8 && od -An -t d4 counter.bin');
  t.say('Three instances in parallel, each a separate load and store per increment (--sync none). Is it 3·10^8?');
  t.run('rm -f counter.bin; for i in 1 2 3; do mm-counter counter.bin -n 1e8 --sync none & done; wait; od -An -t d4 counter.bin');
  t.say('The same with one atomic add per increment (--sync atomic): nothing is lost.');
  t.run('rm -f counter.bin; for i in 1 2 3; do mm-counter counter.bin -n 1e7 --sync atomic & done; wait; od -An -t d4 counter.bin');
  t.say('MAP_PRIVATE: each instance counts in its own copy-on-write page; the file stays 0.');
  t.run('rm -f counter.bin; for i in 1 2 3; do mm-counter counter.bin -n 1e6 --private & done; wait; od -An -t d4 counter.bin');
  t.say('One-liners for shell scripts: count jobs with atomic adds.');
  t.run('rm -f jobs.bin; for i in $(seq 5); do mm-counter jobs.bin --add 1 >/dev/null & done; wait; mm-counter jobs.bin --get');
  t.say('A barrier: three jobs sleep (futex, no CPU) until the counter reaches 3, then all go on at once.');
  t.run('rm -f gate.cnt; for i in 1 2 3; do mm-counter gate.cnt --wait-for 3 & done; sleep 0.5; for i in 1 2 3; do mm-counter gate.cnt --add 1 > /dev/null; done; wait; rm -f gate.cnt');
  t.say('A hostile neighbour truncates the file under a running counter: no SIGBUS, one line, exit 1.');
  t.run('rm -f t.cnt; mm-counter t.cnt -n 1e12 --sync atomic & sleep 1; truncate -s 0 t.cnt; wait $!; echo "exit $?"; rm -f t.cnt');
  t.say('A full disk or a closed stdout is said the way GNU tools say it:');
  t.run('mm-counter jobs.bin --get > /dev/full; echo "exit $?"; mm-counter jobs.bin --get >&-; echo "exit $?"; rm -f jobs.bin');
}
