// How mm-cat opens what the user names, in both modes: `-` is standard input, a path is
// opened, and the descriptor is checked by @mm/cli's statInput, so plain cat and the
// experiments refuse the same bad input (a directory, a missing file) with the same message,
// named after the user's operand.
import { closeSync, constants as fsConstants } from 'node:fs';
import { fromNodeError, isSystemError, openFile } from '@mm/core';
import { statInput, STDIN_OPERAND, type Input, type StatInputOptions } from '@mm/cli';
import { OutputError } from './output.js';

/** Options of {@link openOperand}. */
export interface OpenOperandOptions extends StatInputOptions {
  /** open(2) flags for a path (standard input is used as it is). Default O_RDONLY. */
  flags?: number;
  /** Told the descriptor once it is open (0 for standard input), before it is checked. */
  opened?: (fd: number) => void;
  /** Told when a descriptor opened here is closed again because the checks refused it. */
  closed?: (fd: number) => void;
}

/**
 * Opens the operand `name` (`-` is standard input) and checks it with @mm/cli's statInput;
 * a descriptor this call opened is closed again when the checks refuse it. Errors are
 * SystemErrors named after `name`. Close the result with @mm/cli's closeInput.
 */
export function openOperand(name: string, options: OpenOperandOptions = {}): Input {
  const stdin = name === STDIN_OPERAND;
  let fd: number;
  try {
    fd = stdin ? 0 : openFile(name, options.flags ?? fsConstants.O_RDONLY);
  } catch (e) {
    throw inputError(e, name);
  }
  options.opened?.(fd);
  try {
    const stat = statInput(fd, name, options);
    return { name, fd, stat, size: stat.isFile() && stat.size > 0 ? stat.size : null, owned: !stdin, closed: false };
  } catch (e) {
    if (!stdin) {
      closeSync(fd);
      options.closed?.(fd);
    }
    throw e;
  }
}

/**
 * An error met while reading input `name`, as a SystemError named after it (`name: reason`);
 * an {@link OutputError} passes through unchanged.
 */
export function inputError(e: unknown, name: string): unknown {
  if (e instanceof OutputError) return e;
  const err = fromNodeError(e, name);
  if (isSystemError(err) && err.path === undefined) {
    err.path = name;
    err.message = `${name}: ${err.message.replace(/^[^:]*: /, '')}`;
  }
  return err;
}
