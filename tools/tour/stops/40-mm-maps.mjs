// Tour stop: mm-maps — the lab's procmaps: a process's address space, its own and another's.
export default async function (t) {
  t.section('mm-maps — the address space, of itself and of any process');
  t.say('The lab maps a file and pauses so you can read /proc/PID/maps. mm-maps maps each FILE read-only');
  t.say("and lists its own mappings, the FILE's marked '<- FILE':");
  t.run('mm-maps /etc/hostname | grep hostname');
  t.say('With --wait it stays alive, so another process can look at it, as the lab does with cat:');
  t.run(`printf 'I just love\\nsharing memories\\nwith other processes\\n' > maps-poem.txt
mm-maps --wait maps-poem.txt > /dev/null 2> wait.err &
for i in $(seq 100); do grep -q waiting wait.err 2>/dev/null && break; sleep 0.1; done
cat wait.err
grep maps-poem /proc/$(pidof mm-maps)/maps
kill $(pidof mm-maps); wait; echo "exit $?"`);
  t.say('Which processes map a file or hold it open, and how much of it is resident? --who looks through every');
  t.say('process; it still finds them after the file is deleted (as it does shm objects already unlinked):');
  t.run(`mm-maps --wait maps-poem.txt > /dev/null 2>&1 &
sleep 300 < maps-poem.txt &
for i in $(seq 100); do grep -q maps-poem /proc/$(pidof mm-maps)/maps 2>/dev/null && break; sleep 0.1; done
mm-maps --who maps-poem.txt
rm maps-poem.txt; mm-maps --who maps-poem.txt --json | jq -c '{pid, command, mapped, how}'
kill %1 %2; wait`);
  t.say('--svg draws the address space (-x: resident share solid); open it in a browser:');
  t.run('mm-maps -p $$ -x --svg > bash.svg; grep -c \'class="region"\' bash.svg; echo "(bash, PID $$: one bar per mapping)"');
  t.say('Any process, as far as permissions allow: where does this shell keep its memory?');
  t.say('(Each line here runs in bash -c, which would exec a lone last command in place of itself, so an echo follows.)');
  t.run('mm-maps -p $$ --summary; echo "(that was bash, PID $$)"');
  t.say('-x adds the smaps columns (Rss, Pss, clean/dirty, swap) with totals that match pmap -x; --json for jq:');
  t.run('mm-maps -p $$ -x --kind heap,stack; echo "(bash again)"');
  t.run(`mm-maps -p $$ --json | jq -s 'group_by(.kind) | map({kind: .[0].kind, bytes: (map(.size) | add)})' -c`);
  t.run('mm-maps -p 999999');
}
