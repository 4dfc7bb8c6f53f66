// The demo: one terminal plays the whole game — this process is the arbiter and starts both
// players as child processes running this same bin.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runGame, type GameOptions } from './arbiter.js';
import { SIDES } from './layout.js';
import type { GameResult } from './display.js';

/** Options of {@link runDemo}: the arbiter's, plus where the CLI lives. */
export interface DemoOptions extends Omit<GameOptions, 'onReady' | 'hint'> {
  /** The mm-tug CLI script the players run. Default: the cli.js next to this module. */
  cliPath?: string;
}

function exited(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Plays a game in one terminal: runs the arbiter here and spawns `node CLI left` and
 * `node CLI right` against the same object once it is laid out. The players run in their
 * own process group, so a Ctrl-C at the terminal reaches only the arbiter, which ends the
 * game and lets them stop; their output is dropped (the arbiter reports their counts),
 * their error messages go to stderr. Resolves with the arbiter's result after both exited.
 */
export async function runDemo(options: DemoOptions): Promise<GameResult> {
  const cli = options.cliPath ?? fileURLToPath(new URL('./cli.js', import.meta.url));
  const children: ChildProcess[] = [];
  const timeoutS = String(Math.max(1, options.timeoutMs / 1000));
  try {
    return await runGame({
      ...options,
      hint: false,
      onReady: () => {
        // A write-only /dev/null, not stdio 'ignore': a read-write one is what a closed
        // stdout looks like to the players.
        const devNull = openSync('/dev/null', 'w');
        try {
          for (const side of SIDES) {
            const child = spawn(process.execPath, [cli, side, '--name', options.name, '--timeout', timeoutS], {
              stdio: ['ignore', devNull, 'inherit'],
              detached: true,
            });
            child.on('error', () => {}); // a failed spawn shows up as a player that never joins
            children.push(child);
          }
        } finally {
          closeSync(devNull);
        }
      },
    });
  } finally {
    await Promise.all(children.map((c) => exited(c, 5000)));
  }
}
