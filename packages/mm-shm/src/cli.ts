#!/usr/bin/env node
// mm-shm — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { shmList, shmStat, validateShmName } from '@mm/core';
import { createProgram, formatBytes, intArg, isInteractive, paint, runCli, signalExitCode, sizeArg, subcommandFilter, UsageError, warn, withStopSignals, writeOut } from '@mm/cli';
import { runArbiter } from './arbiter.js';
import { attachments, mappingAttachments } from './attached.js';
import { formatStat, formatTable, parseMode, toRecord, toStatRecord } from './format.js';
import { createObject, readObject, removeObjects, writeObjectAsync } from './objects.js';
import { parseWordValue, ringDoorbell, waitWord, wakeWord } from './latch.js';
import { watchObject } from './watch.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };
const PROG = 'mm-shm';

await runCli(PROG, async (argv) => {
  let exitCode = 0;
  const program = createProgram({ name: PROG, version, description });
  // Only the subcommand a run names is set up (with its options), unless it asks for help.
  const wanted = subcommandFilter(argv, ['create', 'write', 'read', 'ls', 'stat', 'rm', 'watch', 'wait', 'wake', 'arbiter']);
  program.addHelpText(
    'after',
    `
Names: 'hello_shm' and '/hello_shm' are the same object, a file in /dev/shm.
Examples:
  mm-shm create hello_shm --size 4KiB --exclusive
  printf 'Hello' | mm-shm write hello_shm
  mm-shm read hello_shm | xxd
  mm-shm arbiter --steps 5 --interval 500     # the lab's shm_basic arbiter
  mm-shm create gate --size 4; mm-shm wait gate --until 1 &   # a latch:
  mm-shm wake gate --set 1                                    # opens it
`,
  );

  if (wanted('create')) {
    program
      .command('create')
      .description('create a shared memory object (shm_open O_CREAT), or open an existing one')
      .argument('<name>', 'object name, e.g. hello_shm or /hello_shm')
      .option('-s, --size <size>', 'set its size in bytes (4096, 4KiB, 1M)', sizeArg('size'))
      .option('-m, --mode <mode>', 'permission bits of a new object, octal (default 0600)', parseMode)
      .option('-x, --exclusive', 'O_CREAT|O_EXCL: fail if it already exists')
      .option('-a, --allocate', 'reserve the memory now (posix_fallocate): ENOSPC here, not SIGBUS later')
      .action((name: string, opts: { size?: number; mode?: number; exclusive?: boolean; allocate?: boolean }) => {
        createObject(name, opts);
      });
  }

  if (wanted('write')) {
    program
      .command('write')
      .description('copy stdin into an object through a shared mapping (created if missing, grown to fit)')
      .argument('<name>', 'object name')
      .option('-o, --offset <n>', 'start writing at this byte', sizeArg('offset'), 0)
      .option('-t, --truncate', 'cut the object at --offset first, so it ends where the input ends')
      .option('-m, --mode <mode>', 'permission bits if the object is created, octal (default 0600)', parseMode)
      .action(async (name: string, opts: { offset: number; truncate?: boolean; mode?: number }) => {
        // Read without blocking the event loop, so INT/TERM/HUP can stop the copy and remove
        // an object this run created (exit 128+N).
        try {
          await withStopSignals((stop) => writeObjectAsync(name, 0, { ...opts, signal: stop.signal }));
        } catch (e) {
          if (typeof e === 'string' && e.startsWith('SIG')) {
            exitCode = signalExitCode(e);
            return;
          }
          throw e;
        }
        ringDoorbell(name, opts.offset);
      });
  }

  if (wanted('read')) {
    program
      .command('read')
      .description("write an object's bytes to stdout, exactly (try: mm-shm read NAME | xxd)")
      .argument('<name>', 'object name')
      .option('-o, --offset <n>', 'first byte to output', sizeArg('offset'), 0)
      .option('-n, --length <n>', 'output at most this many bytes', sizeArg('length'))
      .action((name: string, opts: { offset: number; length?: number }) => {
        readObject(name, 1, opts);
      });
  }

  if (wanted('ls')) {
    program
      .command('ls')
      .description('list shared memory objects: name, size, mode, owner, processes attached (mapping it), modified')
      .option('--json', 'one JSON object per line')
      .option('--human-readable', 'sizes like 4.0 KiB')
      .action((opts: { json?: boolean; humanReadable?: boolean }) => {
        const infos = shmList();
        const scan = mappingAttachments(infos.map((i) => i.name));
        if (opts.json) writeOut(infos.map((i) => JSON.stringify(toRecord(i, scan.byName.get(i.name))) + '\n').join(''));
        else writeOut(formatTable(infos, { human: opts.humanReadable, formatSize: formatBytes, attachments: scan }));
        if (scan.unreadable > 0 && process.getuid?.() !== 0) warn(PROG, `attach counts leave out ${scan.unreadable} process${scan.unreadable === 1 ? '' : 'es'} that could not be read (permission denied)`);
      });
  }

  if (wanted('stat')) {
    program
      .command('stat')
      .description("show objects' size, mode, owner, modification time and the processes attached (mapping it) or holding it open")
      .argument('<names...>', 'object names')
      .option('--json', 'one JSON object per line')
      .action((names: string[], opts: { json?: boolean }) => {
        const bare = names.map((n) => validateShmName(n));
        const scan = attachments(bare);
        for (const [k, name] of names.entries()) {
          try {
            const info = shmStat(name);
            const a = scan.byName.get(bare[k])!;
            process.stdout.write(opts.json ? JSON.stringify(toStatRecord(info, a, scan.unreadable)) + '\n' : formatStat(info, a, scan.unreadable));
          } catch (e) {
            warn(PROG, (e as Error).message);
            exitCode = 1;
          }
        }
      });
  }

  if (wanted('rm')) {
    program
      .command('rm')
      .description('remove objects (shm_unlink); memory lives on while someone maps it')
      .argument('<names...>', 'object names')
      .option('-f, --force', 'ignore objects that do not exist')
      .action((names: string[], opts: { force?: boolean }) => {
        for (const failure of removeObjects(names, opts)) {
          warn(PROG, (failure.error as Error).message);
          exitCode = 1;
        }
      });
  }

  if (wanted('watch')) {
    program
      .command('watch')
      .description('live hex view: redrawn when the bytes change (terminal) or a new dump per change (pipe); ends on Ctrl-C or when the object is removed')
      .argument('<name>', 'object name')
      .option('-i, --interval <ms>', 'poll every this many milliseconds', intArg('interval', 1, 3_600_000), 100)
      .option('-o, --offset <n>', 'first byte shown', sizeArg('offset'), 0)
      .option('-n, --length <n>', 'show at most this many bytes', sizeArg('length'), 64 * 1024)
      .option('--no-squeeze', 'show every line (by default runs of zero lines collapse to *, as xxd -a)')
      .action(async (name: string, opts: { interval: number; offset: number; length: number; squeeze: boolean }) => {
        const redraw = isInteractive(process.stdout);
        const result = await withStopSignals((stop) =>
          watchObject(name, {
            ...opts,
            redraw,
            signal: stop.signal,
            mark: (text) => paint(text, 'yellow'),
            title: `${PROG} watch ${validateShmName(name)}`,
          }),
        );
        if (result.reason === 'removed') warn(PROG, `${validateShmName(name)}: removed`);
      });
  }

  if (wanted('wait')) {
    program
      .command('wait')
      .description('sleep (futex, no CPU) until a 32-bit word of the object changes, or holds a value; prints it')
      .argument('<name>', 'object name')
      .option('-o, --offset <n>', 'byte offset of the word, a multiple of 4', sizeArg('offset'), 0)
      .option('--while <v>', 'sleep while the word is V (default: its value now, i.e. until it changes)', (v: string) => parseWordValue(v))
      .option('--until <v>', 'sleep until the word is V', (v: string) => parseWordValue(v))
      .option('-t, --timeout <ms>', 'give up after this many milliseconds (exit 1)', intArg('timeout', 0, 2 ** 31 - 1))
      .action(async (name: string, opts: { offset: number; while?: number; until?: number; timeout?: number }) => {
        if (opts.while !== undefined && opts.until !== undefined) throw new UsageError('--while and --until cannot be used together');
        const { result, stoppedBy } = await withStopSignals(async (stop) => ({ result: await waitWord(name, { ...opts, signal: stop.signal }), stoppedBy: stop.caught }));
        const bare = validateShmName(name);
        if (result.outcome === 'done') process.stdout.write(`${result.value}\n`);
        else if (result.outcome === 'timed-out') {
          warn(PROG, `${bare}: timed out after ${opts.timeout} ms (the word at offset ${opts.offset} is ${result.value})`);
          exitCode = 1;
        } else {
          warn(PROG, `${stoppedBy ?? 'SIGINT'}: stopped waiting on ${bare} (the word at offset ${opts.offset} is ${result.value})`);
          exitCode = signalExitCode(stoppedBy ?? 'SIGINT');
        }
      });
  }

  if (wanted('wake')) {
    program
      .command('wake')
      .description('wake processes sleeping on a 32-bit word of the object (after --set or --add); prints how many')
      .argument('<name>', 'object name')
      .option('-o, --offset <n>', 'byte offset of the word, a multiple of 4', sizeArg('offset'), 0)
      .option('-c, --count <k>', 'wake at most K sleepers (default all)', intArg('count', 0, 2 ** 31 - 1))
      .option('--set <v>', 'store V in the word first', (v: string) => parseWordValue(v))
      .option('--add <n>', 'add N to the word first (atomic; a barrier: every job adds 1)', (v: string) => parseWordValue(v, 'addend'))
      .action((name: string, opts: { offset: number; count?: number; set?: number; add?: number }) => {
        if (opts.set !== undefined && opts.add !== undefined) throw new UsageError('--set and --add cannot be used together');
        const r = wakeWord(name, opts);
        process.stdout.write(`${r.woken}\n`);
      });
  }

  if (wanted('arbiter')) {
    program
      .command('arbiter')
      .description("the lab's shm_basic arbiter: create, greet, pause, rewrite step by step, then shm_unlink")
      .option('--name <name>', 'object name', 'hello_shm')
      .option('-k, --keep', 'do not shm_unlink at the end (the "remove shm_unlink()" experiment)')
      .option('-x, --exclusive', 'O_CREAT|O_EXCL: fail if the object already exists')
      .option('--steps <n>', 'how many rewrites after the pause', intArg('steps', 0, 1_000_000), 10)
      .option('-i, --interval <ms>', 'milliseconds between rewrites', intArg('interval', 0, 3_600_000), 1000)
      .option('--pause <ms>', 'length of the timed pause when stdin is not a terminal', intArg('pause', 0, 3_600_000), 3000)
      .option('-s, --size <size>', 'object size', sizeArg('size'), 4096)
      .action(async (opts: { name: string; keep?: boolean; exclusive?: boolean; steps: number; interval: number; pause: number; size: number }) => {
        validateShmName(opts.name);
        const result = await withStopSignals((stop) => runArbiter({ ...opts, waitForEnter: !!process.stdin.isTTY, signal: stop.signal }));
        if (!result.completed) exitCode = signalExitCode(result.interruptedBy ?? 'SIGINT');
      });
  }

  await program.parseAsync(argv);
  return exitCode;
});
