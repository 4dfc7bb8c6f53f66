#!/usr/bin/env node
// mm-maps — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { createProgram, intArg, InvalidArgumentError, runCli, UsageError, warn } from '@mm/cli';
import { FilterError, parseKinds, parsePerms, type RowFilter } from './filter.js';
import { MAPPING_KINDS } from './kind.js';
import { runMaps } from './maps.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

const PROG = 'mm-maps';
const pid = intArg('PID', 0);

/** `-p 1 2`, `-p 1,2` and `-p 1 -p 2` all add up. */
function pidList(value: string, previous: number[] | undefined): number[] {
  const parts = value.split(',');
  // An empty value (`-p "$PID"` with PID unset) is a mistake, not "this process".
  if (parts.some((p) => p === '')) throw new InvalidArgumentError(`invalid PID: '${value}' (process IDs, e.g. 1234 or 1234,5678)`);
  return [...(previous ?? []), ...parts.map((v) => pid(v))];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface CliOptions {
  pid?: number[];
  extended?: boolean;
  summary?: boolean;
  json?: boolean;
  raw?: boolean;
  kind?: string[];
  path?: string;
  perms?: string;
  header: boolean;
  wait?: boolean;
  svg?: boolean;
  html?: boolean;
  who?: string;
}

function buildFilter(o: CliOptions): RowFilter {
  try {
    return {
      kinds: o.kind ? parseKinds(o.kind) : undefined,
      path: o.path,
      perms: o.perms !== undefined ? parsePerms(o.perms) : undefined,
    };
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(e.message);
    throw e;
  }
}

await runCli(PROG, async (argv) => {
  let status = 0;
  const program = createProgram({ name: PROG, version, description });
  program
    .argument('[FILE...]', "files to map read-only into this process before listing it ('-' is standard input)")
    .option('-p, --pid <PID...>', 'show these processes instead of this one (several, or comma-separated)', pidList)
    .option('-x, --extended', 'add Rss, Pss, Shared/Private Clean/Dirty and Swap from /proc/PID/smaps, and a totals line')
    .option('-s, --summary', 'totals by kind (program, libraries, heap, stack, …) and the grand total')
    .option('--json', 'one JSON object per mapping (or per kind with --summary), numbers in bytes')
    .option('--raw', "print the kernel's lines untouched (smaps blocks with -x)")
    .option('-k, --kind <KIND>', `only mappings of this kind (repeat, or comma-separate): ${MAPPING_KINDS.join(', ')}`, collect)
    .option('--path <SUBSTR>', 'only mappings whose path or [name] contains SUBSTR')
    .option('--perms <PERMS>', 'only mappings with all these permissions (rw, x, s), or matching a pattern like r-x')
    .option('--no-header', 'leave out the column headings')
    .option('--svg', 'draw the address space (one process) as an SVG picture: coloured by kind, gaps squeezed, resident share with -x')
    .option('--html', 'the --svg picture in an HTML page, with details when hovering a region')
    .option('--who <TARGET>', 'every process that maps or holds open TARGET (a path, or an shm object name), with mapped and resident bytes')
    .option('-w, --wait', 'after printing, stay alive (so other tools can look) until Enter, Ctrl-C or SIGTERM')
    .addHelpText(
      'after',
      `
Each line: start-end, permissions, file offset, device, inode, size in KiB, kind, and the
path or a name in brackets ([heap], [stack], [anon], [vdso], [vvar], PATH (deleted)).
Mappings of the FILE operands end in '<- FILE'. -x adds the smaps columns in KiB; the totals
match 'pmap -x' (its Dirty = Shared_Dirty + Private_Dirty).

Examples:
  mm-maps /etc/hostname | grep hostname     this process, with /etc/hostname mapped
  mm-maps --wait big.bin &                  keep it mapped; then: cat /proc/$(pidof mm-maps)/maps
  mm-maps -p $$ --summary                   where the shell's memory goes
  mm-maps -p 1234 -x --kind heap,anon       resident and dirty memory of the heap and anon maps
  mm-maps -p 1234 --json | jq -s 'map(.size) | add'
  mm-maps -p 1234 -x --svg > maps.svg       a picture of its address space
  mm-maps --who /dev/shm/ring --json        who maps or holds the object, resident bytes included
  mm-maps --who old.log                     also finds processes holding a deleted old.log`,
    )
    .action(async (files: string[], o: CliOptions) => {
      const pids = o.pid ?? [];
      if (pids.length > 0 && files.length > 0) throw new UsageError('FILE operands map files into this process; they cannot be combined with --pid');
      if (pids.length > 0 && o.wait) throw new UsageError('--wait keeps this process alive; it cannot be combined with --pid');
      if (o.raw && (o.json || o.summary)) throw new UsageError(`--raw cannot be combined with ${o.json ? '--json' : '--summary'}`);
      const picture = o.html ? 'html' : o.svg ? 'svg' : undefined;
      if (o.svg && o.html) throw new UsageError('--svg and --html cannot be combined (--html holds the picture)');
      if (picture) {
        const other = o.raw ? '--raw' : o.json ? '--json' : o.summary ? '--summary' : o.who !== undefined ? '--who' : undefined;
        if (other) throw new UsageError(`--${picture} cannot be combined with ${other}`);
        if (pids.length > 1) throw new UsageError(`--${picture} draws one process; give one PID`);
      }
      if (o.who !== undefined) {
        const other = files.length > 0 ? 'FILE operands' : o.raw ? '--raw' : o.summary ? '--summary' : o.extended ? '-x' : o.wait ? '--wait' : o.kind || o.path !== undefined || o.perms !== undefined ? 'filters' : undefined;
        if (other) throw new UsageError(`--who cannot be combined with ${other}`);
        if (o.who === '') throw new UsageError('--who needs a path or an shm object name');
      }
      status = await runMaps(
        {
          pids,
          files,
          raw: !!o.raw,
          extended: !!o.extended,
          summary: !!o.summary,
          json: !!o.json,
          header: o.header,
          filter: buildFilter(o),
          wait: !!o.wait,
          picture,
          who: o.who,
        },
        { out: (data) => process.stdout.write(data), note: (message) => warn(PROG, message) },
      );
    });
  await program.parseAsync(argv);
  return status;
});
