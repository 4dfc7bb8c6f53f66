// Loads the prebuilt addon (or a local build) through node-gyp-build.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Opaque native handle of one mapping; only the typed API in this package touches it. */
export interface NativeMapHandle {
  unmap(buffer?: ArrayBuffer): void;
  sync(async: boolean, offset?: number, length?: number): void;
  protect(prot: number): void;
  /** Destructive advice returns [offset, length] of the whole pages it covered, or null when none was whole. */
  advise(advice: number, offset?: number, length?: number): [number, number] | null | undefined;
  lock(): void;
  unlock(): void;
  address(): bigint;
  isMapped(): boolean;
  faults(): number;
  fileSize(): number;
}

export interface ChildStatus {
  pid: number;
  code: number | null;
  signal: number | null;
}

interface Binding {
  mapFd(fd: number, offset: number, length: number, prot: number, flags: number, guard: boolean, path?: string): { handle: NativeMapHandle; buffer: ArrayBuffer };
  mapAnonymous(length: number, prot: number, flags: number): { handle: NativeMapHandle; buffer: ArrayBuffer };
  shmOpen(name: string, oflag: number, mode: number): number;
  shmUnlink(name: string): void;
  openFd(path: string, flags: number, mode: number): number;
  writeAll(fd: number, bytes: ArrayBufferView | ArrayBuffer, path?: string): number;
  spliceToPipe(fd: number, bytes: ArrayBufferView | ArrayBuffer, path?: string): number;
  readSome(fd: number, bytes: ArrayBufferView | ArrayBuffer, path?: string): number;
  flock(fd: number, op: number, path?: string): void;
  growPipe(fd: number, bytes: number): number;
  reopenFd(fd: number, path: string, flags: number): void;
  seek(fd: number, offset: number, whence: number, path?: string): number;
  fstat(fd: number, out: Float64Array, path?: string): void;
  allocate(fd: number, offset: number, length: number, path?: string): void;
  probeAccess(handle: NativeMapHandle, offset: number, length: number, op: number, value: number): Promise<ChildStatus & { value: number | null }>;
  forkSignalReader(handle: NativeMapHandle, signal: number, outFd: number, reportFd: number, lengthOffset: number, dataOffset: number): number;
  waitChild(pid: number): Promise<ChildStatus>;
  incrementLoop(handle: NativeMapHandle, offset: number, width: 32 | 64, atomic: boolean, count: number): number | bigint;
  addUntilStop(handle: NativeMapHandle, offset: number, stopOffset: number, step: number, atomic: boolean, max: number): number;
  futexWait(handle: NativeMapHandle, offset: number, expected: number, timeoutMs?: number): 0 | 1 | 2;
  futexWake(handle: NativeMapHandle, offset: number, count: number): number;
  futexWaitAsync(handle: NativeMapHandle, offset: number, expected: number, timeoutMs: number | undefined, ref: boolean): { id: number; promise: Promise<string> };
  futexCancel(id: number): boolean;
  futexPending(): number;
  forkRingWriter(handle: NativeMapHandle, slotSize: number, slots: number, signal: number, outFd: number, reportFd: number): number;
  ringFill(handle: NativeMapHandle, slotSize: number, slots: number, fd: number, maxSlots: number, name: string): Promise<{ bytes: number; slots: number; end: boolean; stopped: boolean; error: number | null }>;
  ringStop(handle: NativeMapHandle, slotSize: number, slots: number): void;
  RING_HEADER: number;
  RING_ERROR_OFFSET: number;
  RING_MAX_SLOTS: number;
  formatRecords(program: Uint8Array, bytes: Uint8Array, first: number, end: number, recordSize: number, out: Uint8Array, outPos: number, limit: number): [number, number];
  recordPlanLimits(program: Uint8Array): [number, number];
  strerror(errno: number): string;
  constants: Record<string, number>;
}

/**
 * Every name the addon exports that the typed API uses. A test checks the list against the
 * addon, so a call added to {@link Binding} but not here fails there, not in a tool.
 */
const NAMES: ReadonlyArray<keyof Binding> = [
  'mapFd', 'mapAnonymous', 'shmOpen', 'shmUnlink', 'openFd', 'writeAll', 'spliceToPipe', 'readSome', 'flock', 'growPipe',
  'reopenFd', 'seek', 'fstat', 'allocate', 'probeAccess', 'forkSignalReader', 'waitChild', 'incrementLoop', 'addUntilStop',
  'futexWait', 'futexWake', 'futexWaitAsync', 'futexCancel', 'futexPending', 'forkRingWriter', 'ringFill', 'ringStop',
  'RING_HEADER', 'RING_ERROR_OFFSET', 'RING_MAX_SLOTS', 'formatRecords', 'recordPlanLimits', 'strerror', 'constants',
];

/**
 * The raw addon, loaded (one `dlopen`, about 0.35 ms) by the first use of any of its names: a
 * run that never maps, opens shared memory or makes a native call — `--version`, `--help`,
 * reading /proc — never loads it. Until then the object's prototype answers any name by
 * loading the addon and putting the addon's own (frozen) exports in its place, so every later
 * lookup goes straight there. No per-name work at load or at first use: defining a getter per
 * name and redefining each as a value once loaded cost 0.3 ms of a Node 20 start.
 * Internal: tools use the typed API exported from the package root.
 */
export const binding = Object.create(
  new Proxy(
    {},
    {
      get(_target, name): unknown {
        if (typeof name !== 'string') return undefined;
        const addon = load();
        return addon[name];
      },
      has(_target, name): boolean {
        return name in load();
      },
    },
  ),
) as Binding;
let addon: Record<string, unknown> | undefined;
function load(): Record<string, unknown> {
  if (addon) return addon;
  const loaded = (require('node-gyp-build') as (root: string) => Record<string, unknown>)(packageRoot);
  Object.setPrototypeOf(binding, Object.freeze(loaded));
  Object.freeze(binding);
  return (addon = loaded);
}

/** The names {@link binding} loads the addon for (for the test that checks them against it). */
export const bindingNames: ReadonlyArray<string> = NAMES;
