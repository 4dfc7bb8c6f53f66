#!/usr/bin/env node
// mm-tug — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { validateShmName } from '@mm/core';
import { createProgram, runCli, countArg, intArg, isInteractive, Option, InvalidArgumentError, signalExitCode, ToolError, withStopSignals, type Command } from '@mm/cli';
import { runGame, MAX_LIMIT, type DisplayMode } from './arbiter.js';
import { runDemo } from './demo.js';
import { runPlayer, type PlayerReport } from './player.js';
import type { GameResult } from './display.js';
import { opposite, type Side, type SyncMode } from './layout.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

const DEFAULT_NAME = 'mm_tug';
const DEFAULT_LIMIT = 10_000_000;

/** Seconds as a positive decimal (`10`, `0.5`); anything else is a usage error. */
function secondsArg(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || !(Number(value) > 0) || Number(value) > 86_400) {
    throw new InvalidArgumentError(`invalid timeout: '${value}' (seconds, more than 0 and at most 86400, e.g. 10 or 0.5)`);
  }
  return Number(value);
}

function limitArg(value: string): number {
  const n = countArg('limit')(value);
  if (n < 1 || n > MAX_LIMIT) throw new InvalidArgumentError(`invalid limit: '${value}' (must be 1..${MAX_LIMIT}: the rope is an int32)`);
  return n;
}

function nameArg(value: string): string {
  try {
    return validateShmName(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Runs `run` while SIGINT/SIGTERM/SIGHUP abort it; returns its value and the signal caught, if any. */
function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; caught?: string }> {
  return withStopSignals(async (stop) => ({ value: await run(stop.signal), caught: stop.caught }));
}

interface GameFlags {
  name: string;
  limit: number;
  timeout: number;
  sync: SyncMode;
  interval: number;
  json?: boolean;
}

function addGameOptions(cmd: Command, timeoutDefault: number): Command {
  return cmd
    .option('-n, --name <name>', 'shared memory object of the game', nameArg, DEFAULT_NAME)
    .option('-l, --limit <n>', 'call the winner when the rope reaches ±n (1e6, 10M)', limitArg, DEFAULT_LIMIT)
    .option('-t, --timeout <seconds>', 'how long to wait for the players', secondsArg, timeoutDefault)
    .addOption(new Option('-s, --sync <mode>', 'none: racy load and store (the lab); atomic: atomic add').choices(['none', 'atomic']).default('none'))
    .option('-i, --interval <ms>', 'time between two updates of the display', intArg('interval', 10, 3_600_000), 200)
    .option('--json', 'print only the result, as one JSON object');
}

async function playGame(flags: GameFlags, demo: boolean): Promise<number> {
  const display: DisplayMode = flags.json ? 'json' : isInteractive(process.stdout) ? 'tty' : 'plain';
  const base = { name: flags.name, limit: flags.limit, timeoutMs: flags.timeout * 1000, sync: flags.sync, intervalMs: flags.interval, display };
  const { value: result, caught } = await interruptible((signal) => (demo ? runDemo({ ...base, signal }) : runGame({ ...base, signal })));
  return gameExit(result, caught);
}

function gameExit(result: GameResult, caught: string | undefined): number {
  if (result.winner) return 0;
  if (result.reason === 'interrupted') {
    throw new ToolError(`${result.name}: game interrupted by ${caught ?? 'SIGINT'}`, signalExitCode(caught ?? 'SIGINT'));
  }
  throw new ToolError(`${result.name}: ${result.note ?? `game ended: ${result.reason}`}`);
}

const OUTCOME_MESSAGE: Partial<Record<PlayerReport['outcome'], string>> = {
  'declared-gone': 'the arbiter declared this player gone',
  interrupted: 'the arbiter ended the game',
  timeout: 'the arbiter gave up waiting for players',
};

async function playSide(side: Side, flags: { name: string; timeout: number; sync?: SyncMode; json?: boolean }): Promise<number> {
  const { value: report, caught } = await interruptible((signal) =>
    runPlayer(side, { name: flags.name, timeoutMs: flags.timeout * 1000, sync: flags.sync, signal }),
  );
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(`${side} pulls=${report.pulls} outcome=${report.outcome}\n`);
  if (report.outcome === 'won' || report.outcome === 'lost') return 0;
  if (report.outcome === 'quit') return signalExitCode(caught ?? 'SIGINT');
  if (report.outcome === 'opponent-left') throw new ToolError(`${flags.name}: game over: the ${opposite(side)} player left`);
  throw new ToolError(`${flags.name}: ${OUTCOME_MESSAGE[report.outcome] ?? report.outcome}`);
}

await runCli('mm-tug', async (argv) => {
  const program = createProgram({ name: 'mm-tug', version, description });
  let code = 0;
  program.addHelpText(
    'after',
    `
Play in one terminal:       mm-tug demo --sync atomic
Or in two (the lab's way):  mm-tug arbiter            then   mm-tug left & mm-tug right & wait

--sync none lets the players race (a plain load and store per pull: pulls get lost);
--sync atomic makes each pull one atomic add, so the rope ends exactly at right - left.`,
  );

  addGameOptions(program.command('arbiter').description('create the game, wait for both players, watch the rope, call the winner'), 60).action(
    async (flags: GameFlags) => {
      code = await playGame(flags, false);
    },
  );
  addGameOptions(program.command('demo').description('play a whole game in this terminal: the arbiter here, both players spawned'), 10).action(
    async (flags: GameFlags) => {
      code = await playGame(flags, true);
    },
  );
  for (const side of ['left', 'right'] as const) {
    program
      .command(side)
      .description(`join a game and pull the rope to the ${side} (${side === 'left' ? '-1' : '+1'} per pull) until told to stop`)
      .option('-n, --name <name>', 'shared memory object of the game', nameArg, DEFAULT_NAME)
      .option('-t, --timeout <seconds>', 'how long to wait for the arbiter', secondsArg, 10)
      .addOption(new Option('-s, --sync <mode>', "refuse a game not played with this mode (default: the arbiter's)").choices(['none', 'atomic']))
      .option('--json', 'print the report as one JSON object')
      .action(async (flags: { name: string; timeout: number; sync?: SyncMode; json?: boolean }) => {
        code = await playSide(side, flags);
      });
  }
  await program.parseAsync(argv);
  return code;
});
