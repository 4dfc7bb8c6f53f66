// Hostile neighbours: another process shrinks the database while mm-db reads it — mm-db's own
// del (which waits for readers through the shared flock) and a plain truncate (which does not).
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runBash, runBin, binPath, binDir, tempDir } from '@mm/testkit';

const tmp = tempDir('mm-db-neighbours-');
const bins = binDir();
afterAll(() => {
  tmp.cleanup();
  bins.cleanup();
});
const bin = binPath('mm-db');

// Enough records that the listing (about 2 MB of TSV) is more than the reader's 1 MiB output
// buffer: the reader is still reading the file when the pipe makes it wait.
const N = 120_000;
function bigDb(name: string): string {
  const file = join(tmp.path, name);
  const b = Buffer.alloc(N * 40);
  for (let i = 0; i < N; i++) {
    b.writeUInt32LE(i, i * 40);
    b.write(`person${i}`, i * 40 + 4);
    b.writeUInt32LE(i % 100, i * 40 + 36);
  }
  writeFileSync(file, b);
  return file;
}

/**
 * Bash that waits until the reader holds its flock on FILE (seen in /proc/locks), or about
 * 10 s at most: by then a reader that takes no lock is certainly waiting on the pipe mid-file.
 */
const waitForReader = (file: string) => `ino=$(stat -c %i ${file}); for i in $(seq 100); do grep -q ":$ino " /proc/locks && break; sleep 0.1; done`;
/** A consumer of the reader's output that starts reading only once the file `go` exists. */
const consumer = (cmd: string) => `(for i in $(seq 300); do [ -e go ] && break; sleep 0.05; done; ${cmd})`;

describe('a file that shrinks while mm-db reads it', () => {
  it("mm-db del from another process waits for a reader's shared lock: the reader lists everything, then del shrinks the file", async () => {
    const file = bigDb('del.db');
    const full = await runBin(bin, ['list', file]);
    expect(full.code).toBe(0);
    const r = await runBash(
      `rm -f go; (mm-db list ${file}; echo $? > list.rc) | ${consumer('wc -c > wc.out')} &
       ${waitForReader(file)}
       (mm-db del ${file} $(seq ${N / 2} ${N - 1}); echo "del $?") & D=$!
       sleep 1; touch go
       wait`,
      { cwd: tmp.path, env: bins.env },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('del 0\n');
    expect(readFileSync(join(tmp.path, 'list.rc'), 'utf8')).toBe('0\n');
    expect(Number(readFileSync(join(tmp.path, 'wc.out'), 'utf8'))).toBe(full.stdout.length);
    expect(statSync(file).size).toBe((N / 2) * 40);
  });

  it('truncate by a process that takes no lock: the reader stops with one line on stderr and exit 1', async () => {
    // Without core's fault handler the reader dies of SIGBUS (status 135) with no message.
    const file = bigDb('truncated.db');
    const r = await runBash(
      `rm -f go; (mm-db list ${file} 2> list.err; echo $? > list.rc) | ${consumer('cat > /dev/null')} &
       ${waitForReader(file)}
       truncate -s 4096 ${file}; touch go
       wait`,
      { cwd: tmp.path, env: bins.env },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(tmp.path, 'list.err'), 'utf8')).toBe(`mm-db: ${file}: file shrank to 4096 bytes while being read\n`);
    expect(readFileSync(join(tmp.path, 'list.rc'), 'utf8')).toBe('1\n');
    expect(statSync(file).size).toBe(4096);
  });
});
