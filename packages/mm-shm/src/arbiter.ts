/**
 * `mm-shm arbiter`: the lab's `shm_basic arbiter`. It creates a POSIX shared-memory
 * object, maps it, writes a greeting, pauses so you can look at it from another terminal
 * (`xxd /dev/shm/hello_shm`), rewrites the contents step by step so a `watch` sees them
 * change, and finally calls shm_unlink — unless told to keep the object, which is the
 * lab's "remove shm_unlink()" experiment.
 */
import { closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocate, futexWake, isSystemError, MmError, openMapping, shmUnlink, SHM_DIR, type Mapping } from '@mm/core';
import { octalMode } from './format.js';
import { objectState, openForWriting } from './objects.js';

/** Options of {@link runArbiter}. */
export interface ArbiterOptions {
  /** Object name. Default `hello_shm`. */
  name?: string;
  /** Leave the object behind instead of calling shm_unlink at the end (or when interrupted). */
  keep?: boolean;
  /** O_CREAT|O_EXCL: refuse to reuse an existing object. */
  exclusive?: boolean;
  /** How many times the contents are rewritten after the pause. Default 10. */
  steps?: number;
  /** Milliseconds between steps. Default 1000. */
  interval?: number;
  /** Milliseconds of the timed pause (when not waiting for Enter). Default 3000. */
  pause?: number;
  /** Size of the object in bytes, at least {@link ARBITER_MIN_SIZE}. Default 4096. */
  size?: number;
  /** Permission bits of a new object. Default 0600. */
  mode?: number;
  /** Wait for Enter on `input` (a terminal) instead of the timed pause. */
  waitForEnter?: boolean;
  /** Where Enter is read from. Default process.stdin. */
  input?: NodeJS.ReadableStream;
  /** Receives each line of narration. Default: printed on stdout. */
  log?: (line: string) => void;
  /** Aborting it interrupts the arbiter (SIGINT/SIGTERM): it cleans up and returns. */
  signal?: AbortSignal;
}

/** How the arbiter ended. */
export interface ArbiterResult {
  name: string;
  /** False when interrupted through `signal`. */
  completed: boolean;
  /** The abort reason (e.g. `SIGTERM`) when interrupted. */
  interruptedBy?: string;
  /** True if this run called shm_unlink successfully. */
  unlinked: boolean;
  /** The contents written, in order (greeting first). */
  contents: string[];
}

/** Smallest object the arbiter accepts: room for its longest message. */
export const ARBITER_MIN_SIZE = 128;

/** The greeting written first. */
export function greeting(pid: number): string {
  return `Hello from the arbiter (pid ${pid})!\n`;
}

/** The text written at step `i` of `steps`. */
export function stepText(pid: number, i: number, steps: number): string {
  return `Hello from the arbiter (pid ${pid})! Step ${i} of ${steps}.\n`;
}

function waitForLine(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    const done = (): void => {
      rl.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    rl.once('line', done);
    rl.once('close', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // interrupted: the caller looks at signal.aborted
  }
}

/**
 * Runs the lab's arbiter. Resolves when it finished (or was interrupted through
 * `signal`) and cleaned up; throws for a bad name, an existing object with `exclusive`,
 * permission or space problems (an object it had just created is removed again).
 */
export async function runArbiter(options: ArbiterOptions = {}): Promise<ArbiterResult> {
  const steps = options.steps ?? 10;
  const interval = options.interval ?? 1000;
  const log = options.log ?? ((line: string) => void process.stdout.write(line + '\n'));
  const signal = options.signal;
  const mode = options.mode ?? 0o600;
  const size = options.size ?? 4096;
  if (!Number.isSafeInteger(size) || size < ARBITER_MIN_SIZE) {
    throw new MmError('ERR_OUT_OF_RANGE', `the arbiter's object needs at least ${ARBITER_MIN_SIZE} bytes for its messages (got ${size})`);
  }
  const h = openForWriting(options.name ?? 'hello_shm', { exclusive: options.exclusive, size, mode });
  const name = h.name;
  const contents: string[] = [];
  let mapping: Mapping;
  try {
    allocate(h.fd, 0, h.size, name);
    mapping = openMapping(h.fd, { access: 'rw', sharing: 'shared', name, noun: 'object' });
  } catch (e) {
    closeSync(h.fd);
    if (h.created) shmUnlink(name);
    throw e;
  }
  const m = mapping;
  let written = m.length; // clear everything on the first write
  const put = (text: string): void => {
    const now = objectState(h.fd, name).size;
    if (now < m.length) throw new Error(`${name}: another process shrank the object to ${now} bytes; stopping`);
    // New text first, then clear what is left of the old one: a reader never catches the
    // object blank between two contents (there is no lock; that is the lab's point).
    const end = m.bytes.write(text, 0, 'latin1');
    m.bytes.fill(0, end, Math.max(end, written));
    m.check('being written'); // shrunk between the fstat and the stores
    written = end;
    futexWake(m, 0); // the doorbell: mm-shm watch and wait sleep on the first word
    contents.push(text);
  };
  try {
    log(`${h.created ? 'created' : 'opened existing'} ${SHM_DIR}/${name} (${h.size} bytes${h.created ? `, mode ${octalMode(mode)}` : ''}), mapped it shared`);
    put(greeting(process.pid));
    log(`wrote a greeting; look at it now: xxd ${SHM_DIR}/${name}  (or: mm-shm read ${name} | xxd)`);
    if (options.waitForEnter) {
      log('press Enter to continue');
      await waitForLine(options.input ?? process.stdin, signal);
    } else {
      const pause = options.pause ?? 3000;
      log(`pausing ${pause} ms (stdin is not a terminal)`);
      await pauseFor(pause, signal);
    }
    if (!signal?.aborted) log(`rewriting it ${steps} times, every ${interval} ms; watch it change: watch -n0.1 xxd ${SHM_DIR}/${name}  (or: mm-shm watch ${name})`);
    for (let i = 1; i <= steps && !signal?.aborted; i++) {
      put(stepText(process.pid, i, steps));
      log(`step ${i} of ${steps}`);
      await pauseFor(interval, signal);
    }
  } catch (e) {
    // Something went wrong half-way: still leave nothing behind unless asked to keep it.
    if (!options.keep) {
      try {
        shmUnlink(name);
      } catch {
        // already gone
      }
    }
    throw e;
  } finally {
    m.unmap();
    closeSync(h.fd);
  }
  const completed = !signal?.aborted;
  const interruptedBy = completed ? undefined : String(signal?.reason ?? 'aborted');
  if (interruptedBy) log(`interrupted by ${interruptedBy}`);
  return { name, completed, interruptedBy, unlinked: finish(name, !!options.keep, log), contents };
}

/** The last act: shm_unlink, or keep the object and say how to remove it. */
function finish(name: string, keep: boolean, log: (line: string) => void): boolean {
  if (keep) {
    log(`kept /${name} (no shm_unlink): it stays in ${SHM_DIR} — see mm-shm ls, remove with mm-shm rm ${name}`);
    return false;
  }
  try {
    shmUnlink(name);
    log(`shm_unlink /${name}: gone from ${SHM_DIR}`);
    return true;
  } catch (e) {
    if (isSystemError(e) && e.code === 'ENOENT') {
      log(`/${name} was already removed by someone else`);
      return false;
    }
    throw e;
  }
}
