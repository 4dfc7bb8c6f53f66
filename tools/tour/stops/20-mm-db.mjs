// Tour stop: mm-db — a file that is an array of C structs, read and edited from the shell.
export default async function (t) {
  t.section('mm-db — an array of C structs in a file');
  t.say("The lab's binary program treats a file as struct person[]; mm-db does the same through a shared mapping.");
  t.run('mm-db database.bin');
  t.say('40-byte records: xxd -c 40 shows one a line, with the names between the binary ids and ages.');
  t.run('xxd -c 40 database.bin');
  t.say('Append a record (it prints the new index), change one in place, then search the JSON lines:');
  t.run('mm-db add database.bin id=6 name=Mallory age=41');
  t.run('mm-db set database.bin 1 age=26');
  t.run('mm-db list database.bin --json | grep -e Mallory -e Bob');
  t.say('Export writes every record as a line, formatted natively from the mapped bytes (about 14 ns a record); import reads the lines back, so a copy is byte for byte the same file:');
  t.run('mm-db export database.bin --csv | head -3');
  t.run('mm-db export database.bin | mm-db import copy.bin - && cmp database.bin copy.bin && echo same bytes');
  t.say('The layout follows the C ABI, padding included:');
  t.run("mm-db schema --schema 'a:u8,b:f64,c:u16,d:i64,e:char[3],f:f32'");
  t.say('Bad input is refused and the file is left as it was:');
  t.run('sha1sum database.bin; mm-db add database.bin age=-1; echo "exit $?"; sha1sum database.bin');
}
