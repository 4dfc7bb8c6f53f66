// Colour, animation and progress only where a person watches: a TTY, TERM not `dumb`,
// NO_COLOR unset. Piped output stays plain.
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';

/** isatty(3), from node:tty, which loads its streams and net: required only when asked. */
function isatty(fd: number): boolean {
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** A standard stream, or its descriptor number (1 stdout, 2 stderr). */
export type OutputTarget = NodeJS.WriteStream | 1 | 2;

/**
 * True when descriptor `fd` is surely not a terminal: a pipe, a file, a socket, or a memory
 * device such as /dev/null (character devices of major number 1), learned with one fstat(2).
 * Anything else, or anything fstat cannot tell, is for isatty(3) to answer. node:fs's fstat,
 * not core's fileStat: tools that never map (mm-maps, mm-shm ls) ask this too, and fileStat
 * would load the addon for them.
 */
function surelyNotTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return !st.isCharacterDevice() || ((st.rdev >> 8) & 0xfff) === 1;
  } catch {
    return false;
  }
}

/**
 * True when `target` is a terminal a person watches (a TTY, TERM not `dumb`). Given as a
 * descriptor number, it is asked with fstat(2) and then isatty(3) first: making process.stdout
 * or process.stderr for a file or pipe costs milliseconds of start-up, which a run that never
 * writes to it should not pay, and so does loading Node's tty module (which loads its streams
 * and net) for isatty() when one fstat already tells a pipe or a file.
 */
export function isInteractive(target: OutputTarget = 1): boolean {
  if (typeof target === 'number' && (surelyNotTerminal(target) || !isatty(target))) return false;
  const stream = target === 1 ? process.stdout : target === 2 ? process.stderr : target;
  return !!stream.isTTY && process.env.TERM !== 'dumb';
}

/** True when colour may be used on `target`: a TTY, no NO_COLOR, TERM not `dumb`. */
export function useColor(target: OutputTarget = 1): boolean {
  return isInteractive(target) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

/** Wraps text in an ANSI colour when {@link useColor} allows. */
export function paint(text: string, color: 'red' | 'green' | 'yellow' | 'blue' | 'cyan' | 'bold' | 'dim', stream: OutputTarget = 1): string {
  if (!useColor(stream)) return text;
  const codes = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1, dim: 2 } as const;
  return `\x1b[${codes[color]}m${text}\x1b[0m`;
}

/**
 * A one-line progress bar on stderr, drawn only when stderr is an interactive terminal and
 * NO_COLOR is unset (never into a pipe or file), redrawn at most ~10 times a second.
 */
export class ProgressBar {
  readonly active: boolean;
  private last = 0;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.active = useColor(stream) && total > 0;
  }

  /** Redraws with `done` of `total` finished; `extra` is shown after the percentage. */
  update(done: number, extra = ''): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const width = 30;
    const frac = Math.min(1, done / this.total);
    const filled = Math.round(frac * width);
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${extra}\x1b[K`);
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.active) this.stream.write('\r\x1b[K');
  }
}
