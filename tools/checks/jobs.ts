// One real job per installed tool, shared by the pack check (this Node) and the Node matrix:
// each entry runs the installed bin and says what its stdout must be.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { uniqueShmName } from '@mm/testkit';

export type Job = [tool: string, args: string[], input: string | undefined, check: (stdout: string) => void];

/** The jobs, in order (mm-db and mm-shm steps depend on the ones before), in scratch dir `dir`. */
export function jobs(dir: string, shmPrefix: string): Job[] {
  const poem = join(dir, 'poem.txt');
  const text = 'I just love\nsharing memories\nwith other processes\n';
  writeFileSync(poem, text);
  const shm = uniqueShmName(shmPrefix);
  return [
    ['mm-cat', [poem], undefined, (out) => expect(out).toBe(text)],
    ['mm-counter', [join(dir, 'counter.bin'), '-n', '1e5', '--sync', 'atomic'], undefined, (out) => expect(out.trim()).toBe('100000')],
    ['mm-counter', [join(dir, 'counter.bin'), '--get'], undefined, (out) => expect(out.trim()).toBe('100000')],
    ['mm-db', ['add', join(dir, 'people.db'), 'id=7', 'name=Ada', 'age=36'], undefined, (out) => expect(out.trim()).toBe('0')],
    ['mm-db', ['list', '--json', join(dir, 'people.db')], undefined, (out) => expect(JSON.parse(out)).toEqual({ id: 7, name: 'Ada', age: 36 })],
    ['mm-maps', [poem], undefined, (out) => expect(out.split('\n').some((l) => l.includes(poem) && l.includes('r--s'))).toBe(true)],
    ['mm-anon', ['--delay', '0', poem], undefined, (out) => expect(out).toBe(text)],
    ['mm-shm', ['write', shm], 'through shm', (out) => expect(out).toBe('')],
    ['mm-shm', ['read', shm], undefined, (out) => expect(out).toBe('through shm')],
    ['mm-shm', ['rm', shm], undefined, (out) => expect(out).toBe('')],
    ['mm-tug', ['demo', '--sync', 'atomic', '--json', '--limit', '20000', '--name', uniqueShmName(shmPrefix)], undefined, (out) => {
      const r = JSON.parse(out.trim().split('\n').pop()!) as { lost: number };
      expect(r.lost).toBe(0);
    }],
  ];
}
