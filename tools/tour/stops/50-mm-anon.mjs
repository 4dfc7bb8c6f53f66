// Tour stop: mm-anon — parent and child share anonymous memory across a real fork.
export default async function (t) {
  t.section('mm-anon — anonymous shared memory across a fork, woken by a signal');
  t.run(`printf 'I just love\\nsharing memories\\nwith other processes\\n' > poem.txt`);
  t.say('The parent maps anonymous MAP_SHARED memory and forks; the child blocks SIGUSR1 and sleeps in sigwait.');
  t.say('The parent "works" 500 ms, copies the poem into the memory (length in a 16-byte header), sends SIGUSR1:');
  t.run('mm-anon --verbose poem.txt');
  t.say('Output equals input byte for byte, even for binary data full of NULs:');
  t.run(`head -c 100000 /dev/urandom > noise.bin && head -c 5000 /dev/zero >> noise.bin && mm-anon --delay 0 noise.bin | cmp - noise.bin && echo identical`);
  t.say('The lab experiment: MAP_PRIVATE. The child got a copy-on-write snapshot at the fork, before the parent wrote:');
  t.run('mm-anon --private poem.txt; echo "exit $?"');
  t.say('Another signal than the one it waits for kills the child; the parent says which and exits 128+N:');
  t.run(`mm-anon --signal USR2 --delay 3000 poem.txt & until child=$(pgrep -P $!); do sleep 0.1; done; kill -USR1 $child; wait $!; echo "exit $?"`);
}
