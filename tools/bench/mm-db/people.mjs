// Writes N person records as NDJSON to stdout: ids 1..N, names like "Grace 48213", ages 0..99,
// from a fixed-seed generator so every run and both databases get the same data.
const n = Number(process.argv[2] ?? 1e6);
const first = ['Alice', 'Bob', 'Charlie', 'Diana', 'Eve', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Oscar', 'Peggy', 'Trent', 'Victor', 'Walter'];
let seed = 42;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
const chunk = [];
for (let i = 1; i <= n; i++) {
  chunk.push(`{"id":${i},"name":"${first[rnd() % first.length]} ${rnd() % 100000}","age":${rnd() % 100}}\n`);
  if (chunk.length === 10000 || i === n) {
    process.stdout.write(chunk.join(''));
    chunk.length = 0;
  }
}
