// Helpers shared by this package's test files.
import { readFileSync } from 'node:fs';

/** State letter of a process from /proc/PID/stat (`S`, `R`, `Z`, ...), or null if there is no such process. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}
