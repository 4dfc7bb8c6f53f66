// Tour stop: POSIX shared memory — the lab's shm_basic arbiter, looked at from outside.
import { existsSync } from 'node:fs';

export default async function (t) {
  t.section('mm-shm — POSIX shared memory from the shell');
  // The lab's name, unless something on this machine already uses it.
  const name = existsSync('/dev/shm/hello_shm') ? `hello_shm_${process.pid}` : 'hello_shm';
  const waitFor = (text) => `until grep -q '${text}' arbiter.log; do sleep 0.05; done`;
  t.say('The arbiter creates the object, writes a greeting, pauses (timed, as stdin is not a terminal),');
  t.say('rewrites it step by step, then calls shm_unlink. Run it in the background and look at the object');
  t.say('with read | xxd during the pause, and again during the steps:');
  t.run(
    `mm-shm arbiter --name ${name} --steps 3 --interval 1500 --pause 2000 > arbiter.log &\n` +
      `${waitFor('pausing')}; mm-shm read ${name} | xxd | head -3\n` +
      `${waitFor('step 2 of 3')}; mm-shm read ${name} | xxd | head -4\n` +
      `wait; cat arbiter.log`,
  );
  t.say('It removed the object at the end. With --keep (the "remove shm_unlink()" experiment) it stays behind:');
  t.run(`mm-shm arbiter --name ${name} --keep --steps 1 --interval 0 --pause 0 | tail -1`);
  t.run(`mm-shm ls | grep -E '^(NAME|${name}) '`);
  t.say('O_CREAT|O_EXCL on an object that exists:');
  t.run(`mm-shm create ${name} --exclusive`);
  t.run(`mm-shm rm ${name}; [ -e /dev/shm/${name} ] || echo '/dev/shm/${name} is gone'`);
  t.say('A word of an object as a barrier for background jobs: each adds 1 and sleeps (futex, no CPU)');
  t.say('until the word is 3, then prints it:');
  const gate = `tour_barrier_${process.pid}`;
  t.run(
    `mm-shm create ${gate} --size 4\n` +
      `for i in 1 2 3; do (mm-shm wake ${gate} --add 1 > /dev/null; mm-shm wait ${gate} --until 3) & done; wait\n` +
      `mm-shm rm ${gate}`,
  );
}
