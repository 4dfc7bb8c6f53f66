// What /proc says about another process: whether it still lives, what it is doing, its
// command line. Each helper answers for a process that may be gone by the time it looks.
import { readFileSync } from 'node:fs';

/**
 * True while `pid` is a live process: `kill(pid, 0)` succeeds (EPERM also means it exists)
 * and /proc does not show it as a zombie — a process killed with `kill -9` whose parent has
 * not reaped it yet counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/**
 * What the kernel says a process is doing: its state (`S (sleeping)`) from
 * /proc/PID/status and the kernel function it sleeps in (`do_sigtimedwait` while in
 * sigwait) from /proc/PID/wchan. Null once the process is gone.
 */
export function processActivity(pid: number): { state: string; wchan: string } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s*(.*)$/m.exec(status)?.[1]?.trim() ?? '?';
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    } catch {
      // not every kernel shows it
    }
    return { state, wchan: wchan === '0' ? '' : wchan };
  } catch {
    return null;
  }
}

/** The command line of a process for a heading (`[comm]` for kernel threads), or '' if gone. */
export function processCommandLine(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '');
    if (argv) return argv.split('\0').join(' ');
    return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return '';
  }
}
