// Tour stop: mm-cat — the lab's first program (map a file, print it, change it) as a tool.
export default async function (t) {
  t.section('mm-cat — cat through a memory mapping, and the basic-mapping experiments');
  t.say('The poem from the lab:');
  t.run(`printf 'I just love\\nsharing memories\\nwith other processes\\n' > poem.txt && cat poem.txt`);
  t.say('mm-cat maps it and write(2)s straight from the mapping; the bytes are the same as cat\'s:');
  t.run('mm-cat poem.txt | cmp - poem.txt && echo identical');
  t.say('--upcase: print, then uppercase the letters through the MAP_SHARED mapping — the file changes:');
  t.run('mm-cat --upcase poem.txt && cat poem.txt');
  t.run(`printf 'I just love\\nsharing memories\\nwith other processes\\n' > poem.txt`);
  t.say('--private --upcase: the same stores through MAP_PRIVATE stay in this process:');
  t.run('mm-cat --private --upcase poem.txt && cat poem.txt');
  t.say('Drop PROT_WRITE and the store faults; mm-cat runs it in a forked child and exits as the shell would for the crash:');
  t.run('mm-cat --prot r --upcase poem.txt');
  t.say('Read past the end: the rest of the last page is zero fill...');
  t.run('mm-cat --read-past-end 0 poem.txt > /dev/null');
  t.say('...past the file inside a longer mapping is SIGBUS...');
  t.run('mm-cat --map-length 8K --read-past-end 4096 poem.txt > /dev/null');
  t.say('...and past the mapping it depends on what happens to be mapped next, unless --guard makes it certain:');
  t.run('mm-cat --read-past-end 4096 poem.txt > /dev/null');
  t.run('mm-cat --guard --read-past-end 4096 poem.txt > /dev/null');
}
