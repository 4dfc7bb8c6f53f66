// Shared helpers of the mm-maps suites: a quiet `sleep` child to look at, and an
// independent reading of /proc/PID/maps to check the tool against.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** A `sleep 300` child that has finished starting (its maps no longer change). Kill it when done. */
export async function quietSleeper(): Promise<{ pid: number; child: ChildProcess; kill: () => void }> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid!;
  let last = '';
  for (let i = 0; i < 200; i++) {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    if (state === 'S' && maps.includes('[stack]') && maps === last) break;
    last = maps;
    await delay(20);
  }
  return { pid, child, kill: () => child.kill('SIGKILL') };
}

/** One line of /proc/PID/maps, split the plain way (not with the code under test). */
export interface ProcLine {
  range: string;
  perms: string;
  offset: string;
  device: string;
  inode: string;
  name: string;
  size: number;
}

/** Splits the kernel's maps text into fields: five space-separated ones, then the rest is the name. */
export function procLines(text: string): ProcLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const parts = line.split(' ');
      const [range, perms, offset, device, inode] = parts as [string, string, string, string, string];
      const name = parts.slice(5).join(' ').trimStart();
      const [a, b] = range.split('-').map((h) => BigInt('0x' + h)) as [bigint, bigint];
      return { range, perms, offset, device, inode, name, size: Number(b - a) };
    });
}

/** A node child mapping a file or shm object (see @mm/testkit's spawnMapper). */
export { spawnMapper as mapper } from '@mm/testkit';
