// Tour stop: mm-tug — the lab's shared-memory tug of war, first racy, then with atomic pulls.
export default async function (t) {
  t.section('mm-tug — the shared-memory tug of war');
  t.say('An arbiter creates a shm object holding a rope; a left and a right player pull it (-1 / +1 per pull)');
  t.say('as fast as they can from two processes; the arbiter calls the winner when the rope reaches ±limit.');
  t.say('The lab game: --sync none, each pull a plain load and store. Watch right - left vs the position:');
  t.run('mm-tug demo --sync none --limit 2M --interval 50 --name tour_tug_$$');
  t.say('lost = (right - left) - position: pulls one player stored over the other\'s. Now each pull is one atomic add:');
  t.run('mm-tug demo --sync atomic --limit 2M --interval 50 --name tour_tug_$$');
  t.say('The lab\'s way, three processes from one shell: the arbiter first, then the players as background jobs.');
  t.say('While the left player waits for the right one, the object shows the layout: magic TUG1, version,');
  t.say('state, stop, sync, limit, result, arbiter pid and heartbeat; the rope at 0x40; left pid/status at 0x80.');
  t.run(
    [
      'N=tour_tug_$$',
      'mm-tug arbiter --name $N --sync atomic --limit 2M --json > result.json &',
      'mm-tug left --name $N & L=$!',
      'for i in $(seq 200); do [ "$(od -An -t d4 -j 128 -N 4 /dev/shm/$N 2>/dev/null | tr -d " ")" = "$L" ] && break; sleep 0.05; done',
      'xxd -a /dev/shm/$N',
      'mm-tug right --name $N &',
      'wait; cat result.json; ls /dev/shm | grep -c "^$N" || true',
    ].join('\n'),
  );
}
