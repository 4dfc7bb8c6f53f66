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
  advise(advice: number, offset?: number, length?: number): void;
  lock(): void;
  unlock(): void;
  address(): bigint;
  isMapped(): boolean;
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
  readSome(fd: number, bytes: ArrayBufferView | ArrayBuffer, path?: string): number;
  flock(fd: number, op: number, path?: string): void;
  reopenFd(fd: number, path: string, flags: number): void;
  seek(fd: number, offset: number, whence: number, path?: string): number;
  allocate(fd: number, offset: number, length: number, path?: string): void;
  probeAccess(handle: NativeMapHandle, offset: number, length: number, op: number, value: number): ChildStatus & { value: number | null };
  forkSignalReader(handle: NativeMapHandle, signal: number, outFd: number, reportFd: number): number;
  waitChild(pid: number): Promise<ChildStatus>;
  incrementLoop(handle: NativeMapHandle, offset: number, width: 32 | 64, atomic: boolean, count: number): number | bigint;
  pullLoop(handle: NativeMapHandle, positionOffset: number, stopOffset: number, step: number, atomic: boolean, max: number): number;
  strerror(errno: number): string;
  constants: Record<string, number>;
}

/** The raw addon. Internal: tools use the typed API exported from the package root. */
export const binding: Binding = require('node-gyp-build')(packageRoot);
