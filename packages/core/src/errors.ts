import { binding } from './native.js';

/**
 * An error from a system call, shaped like Node's own fs errors: `code` is the errno name
 * (`ENOENT`), `errno` is negative as in Node, `syscall` names the call and `path` the file
 * or object. The message is ready to print after the program's name:
 * `/x: No such file or directory`.
 */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

/** True if `e` is an Error carrying an errno-style `code` and `syscall`. */
export function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === 'string' && typeof (e as SystemError).syscall === 'string';
}

/** Builds a {@link SystemError} from an errno number (positive or Node-style negative). */
export function systemError(errno: number, syscall: string, path?: string): SystemError {
  const n = Math.abs(errno);
  const e = new Error(`${path ?? syscall}: ${binding.strerror(n)}`) as SystemError;
  e.code = errnoName(n);
  e.errno = -n;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  return e;
}

import { createRequire } from 'node:module';
// Made on first use: most runs name no error, and a tool's start-up should not pay for it —
// nor for node:os, which is not in Node's start-up snapshot (required here, not imported).
let names: Map<number, string> | undefined;

/** The errno name for a number, e.g. 2 → `ENOENT`. */
export function errnoName(errno: number): string {
  if (!names) {
    names = new Map();
    const { errno: numbers } = (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants;
    for (const [name, value] of Object.entries(numbers)) if (!names.has(value)) names.set(value, name);
  }
  return names.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/**
 * Rewrites an error thrown by `node:fs` (message `ENOENT: no such file or directory, open 'x'`)
 * into the {@link SystemError} shape used across mm (`x: No such file or directory`).
 * Other errors are returned unchanged.
 */
export function fromNodeError(e: unknown, path?: string): unknown {
  if (!(e instanceof Error)) return e;
  const ne = e as NodeJS.ErrnoException;
  if (typeof ne.errno !== 'number' || typeof ne.syscall !== 'string') return e;
  return systemError(ne.errno, ne.syscall, path ?? ne.path);
}

/** Thrown for misuse of the API (bad argument, use after unmap); `code` says which. */
export class MmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'MmError';
    this.code = code;
  }
}
