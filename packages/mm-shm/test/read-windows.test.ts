// mm-shm read of an object larger than one mapped window: byte for byte across window
// edges, into a pipe (which it grows; the pages go in by vmsplice, the last pipe-full by
// write) and into a file, with --offset/--length crossing an edge; and an object cut by a
// neighbour while it is read.
import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { runBash } from '@mm/testkit';
import { READ_WINDOW } from '../src/index.js';
import { BIN, patternBytes, shm, shmNames } from './helpers.js';

const { name: newName } = shmNames('readwin');

describe('read across mapped windows', () => {
  it('an object of two windows and a bit comes out whole, through a pipe and into a file', async () => {
    const n = newName();
    const data = patternBytes(2 * READ_WINDOW + 4097);
    writeFileSync(`/dev/shm/${n}`, data);
    const r = await shm(['read', n]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(r.stdout.equals(data)).toBe(true);
    const viaPipe = await runBash(`"${process.execPath}" "${BIN}" read ${n} | cmp - /dev/shm/${n} && echo same`);
    expect(viaPipe.stdout.toString()).toBe('same\n');
    rmSync(`/dev/shm/${n}`);
  });

  it('--offset and --length that cross a window edge', async () => {
    const n = newName();
    const data = patternBytes(READ_WINDOW + 10_000);
    writeFileSync(`/dev/shm/${n}`, data);
    const r = await shm(['read', n, '--offset', String(READ_WINDOW - 5), '--length', '12']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data.subarray(READ_WINDOW - 5, READ_WINDOW + 7))).toBe(true);
    rmSync(`/dev/shm/${n}`);
  });

  it('sizes around the last pipe-full (where splicing hands over to writing) come out whole through a pipe', async () => {
    const n = newName();
    const pipe = 1 << 20; // READ_PIPE_SIZE, what the pipe is grown to
    for (const size of [64 * 1024 + 1, pipe - 1, pipe + 1, READ_WINDOW + pipe + 4095]) {
      const data = patternBytes(size, size);
      writeFileSync(`/dev/shm/${n}`, data);
      const r = await runBash(`"${process.execPath}" "${BIN}" read ${n} | cmp - /dev/shm/${n} && echo same`);
      expect([size, r.stdout.toString(), r.stderr]).toEqual([size, 'same\n', '']);
    }
    rmSync(`/dev/shm/${n}`);
  });

  it('an object cut to 0 bytes by a neighbour while it is read into a full pipe: one line naming it, exit 1', async () => {
    const n = newName();
    writeFileSync(`/dev/shm/${n}`, patternBytes(64 << 20));
    // The reader sleeps until mm-shm is blocked on the full pipe (in vmsplice(2) or write(2),
    // syscall 278 or 1 in /proc/PID/syscall); then the object is cut and the reader drains.
    const script = `
      dir=$(mktemp -d); mkfifo "$dir/p"
      { exec 3<"$dir/p"; sleep 30 & echo $! > "$dir/slow"; wait; cat <&3 > /dev/null; } &
      "${process.execPath}" "${BIN}" read ${n} > "$dir/p" 2> "$dir/err" & c=$!
      i=0; until s=$(cut -d' ' -f1 /proc/$c/syscall 2>/dev/null) && { [ "$s" = 278 ] || [ "$s" = 1 ]; }; do
        i=$((i+1)); [ $i -gt 600 ] && { echo "mm-shm never blocked on the pipe"; break; }; sleep 0.05; done
      : > /dev/shm/${n}; kill $(cat "$dir/slow"); wait $c; echo "exit $?" >> "$dir/err"; wait; cat "$dir/err"; rm -rf "$dir"`;
    const r = await runBash(script, { timeoutMs: 60_000 });
    expect(r.stdout.toString()).toBe(`mm-shm: ${n}: the object shrank while it was being read\nexit 1\n`);
    rmSync(`/dev/shm/${n}`);
  }, 60_000);
});
