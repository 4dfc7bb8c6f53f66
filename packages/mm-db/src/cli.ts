#!/usr/bin/env node
// mm-db — command-line wiring only; the logic lives in the library modules beside this file.
import { createRequire } from 'node:module';
import { writeAll } from '@mm/core';
import { createProgram, runCli, intArg, isInteractive, paint, UsageError, warn, type Command } from '@mm/cli';
import { addRecord, countRecords, deleteRecords, demo, getRecords, importRecords, listRecords, resolveLayout, setRecord, type ListOptions, type OutputFormat } from './commands.js';
import { openDatabase } from './db.js';
import { describeSchema, describeSchemaJson } from './schema/print.js';
import type { Sink } from './output/writer.js';

const { version, description } = createRequire(import.meta.url)('../package.json') as { version: string; description: string };

const stdout: Sink = (chunk) => {
  writeAll(1, chunk, 'write error');
};

function schemaOptions(cmd: Command): Command {
  return cmd
    .option('-s, --schema <fields>', "the record, compact form: 'id:u32,name:char[32],age:u32' (types i8..i64, u8..u64, f32, f64, bool, char[N], T[N])")
    .option('--struct <decl>', "the record as a C declaration: 'struct p { uint32_t id; char name[32]; uint32_t age; };'")
    .option('--struct-file <file.h>', 'read the C declaration from a file')
    .option('--packed', 'no padding, as __attribute__((packed))');
}

function fileOptions(cmd: Command): Command {
  return schemaOptions(cmd).option('-f, --force', 'accept a file size that is not whole records; the tail is ignored (writes overwrite or drop it)');
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function outputOptions(cmd: Command): Command {
  return fileOptions(cmd)
    .option('--json', 'one JSON object per line (NDJSON)')
    .option('--csv', 'CSV with a header line')
    .option('--tsv', 'tab-separated with a header line (the default when not a terminal)')
    .option('--table', 'an aligned table (the default on a terminal)')
    .option('--fields <names>', 'print only these fields, in this order (comma-separated)')
    .option('--index', 'add the record index as the first column (# key in JSON)');
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--where <field=value>', 'only records whose field equals value (repeat for AND)', collect)
    .option('--limit <n>', 'print at most n records', intArg('limit'));
}

type Flags = Omit<ListOptions, 'format'> & { json?: boolean; csv?: boolean; tsv?: boolean; table?: boolean };

function listOptions(flags: Flags, fallback?: OutputFormat): ListOptions {
  const chosen = (['json', 'csv', 'tsv', 'table'] as const).filter((k) => flags[k]);
  if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`);
  const format: OutputFormat = chosen[0] ?? fallback ?? (isInteractive(1) ? 'table' : 'tsv');
  return { ...flags, format, bold: (s) => paint(s, 'bold') };
}

await runCli('mm-db', async (argv) => {
  const program = createProgram({ name: 'mm-db', version, description });
  program
    .enablePositionalOptions()
    .usage('[options] FILE | COMMAND FILE [args]')
    .addHelpText(
      'after',
      `
A database file is a headerless array of fixed-size C structs: record i is bytes
[i*size, (i+1)*size), exactly what a C program sees through struct rec *r = mmap(...).
The default record is the lab's  struct person { uint32_t id; char name[32]; uint32_t age; }
(40 bytes). Give another with --schema, --struct or --struct-file after the command.

  mm-db /tmp/database.bin                 the lab demo: create with sample people, then list
  mm-db add people.db name=Zoe age=41     append a record, print its index
  mm-db list people.db --json | grep Zoe`,
    );

  outputOptions(program)
    .argument('[file]', 'the demo: create FILE with sample people if it does not exist, then list it')
    .action((file: string | undefined, flags: Flags, cmd: Command) => {
      if (file === undefined) throw new UsageError('missing FILE or command');
      if (cmd.args.length > 1) throw new UsageError(`unknown command '${file}' (commands: ${program.commands.map((c) => c.name()).join(', ')})`);
      if (demo(file, listOptions(flags), stdout)) warn('mm-db', `created ${file} with 5 sample people`);
    });

  filterOptions(outputOptions(program.command('list').description('print the records (aligned table on a terminal, TSV with a header when piped)')))
    .argument('<file>')
    .action((file: string, flags: Flags) => listRecords(file, listOptions(flags), stdout));

  outputOptions(program.command('get').description('print the records at these indices'))
    .argument('<file>')
    .argument('<index...>', 'record numbers, from 0')
    .action((file: string, indices: string[], flags: Flags) => getRecords(file, indices, listOptions(flags), stdout));

  fileOptions(program.command('add').description('append a record (unset fields are zero) and print its index; creates FILE if missing'))
    .argument('<file>')
    .argument('[assignments...]', 'field=value ...')
    .action((file: string, assigns: string[], flags: Flags) => {
      addRecord(file, assigns, flags, stdout);
    });

  fileOptions(program.command('set').description('change fields of one record in place'))
    .argument('<file>')
    .argument('<index>')
    .argument('<assignments...>', 'field=value ...')
    .action((file: string, index: string, assigns: string[], flags: Flags) => setRecord(file, index, assigns, flags));

  fileOptions(
    program
      .command('del')
      .description('remove records: the last record moves into each hole (O(1), order changes); --keep-order shifts the later records down instead (O(n), order kept)'),
  )
    .option('--keep-order', 'shift the records after the hole down one place instead of moving the last one in')
    .argument('<file>')
    .argument('<index...>')
    .action((file: string, indices: string[], flags: Flags & { keepOrder?: boolean }) => deleteRecords(file, indices, flags));

  fileOptions(program.command('count').description('print the number of records (matching --where)'))
    .option('--where <field=value>', 'count only records whose field equals value (repeat for AND)', collect)
    .argument('<file>')
    .action((file: string, flags: Flags) => countRecords(file, flags, stdout));

  fileOptions(program.command('import').description('append records from NDJSON or CSV (header line of field names); all or nothing: one bad line and the file is left as it was'))
    .option('--json', 'the input is NDJSON (default: guessed from the first byte)')
    .option('--csv', 'the input is CSV with a header line')
    .argument('<file>')
    .argument('[input]', "where to read records from ('-' = stdin)", '-')
    .action((file: string, input: string, flags: Flags) => {
      if (flags.json && flags.csv) throw new UsageError('choose one of --json, --csv');
      importRecords(file, input, { ...flags, format: flags.json ? 'json' : flags.csv ? 'csv' : 'auto' });
    });

  filterOptions(outputOptions(program.command('export').description('print every record as NDJSON (= list --json)')))
    .argument('<file>')
    .action((file: string, flags: Flags) => listRecords(file, listOptions(flags, 'json'), stdout));

  schemaOptions(program.command('schema').description('print the record layout with offsets, sizes, holes and padding, like pahole'))
    .option('--json', 'one JSON object per field, then one for the struct')
    .option('-f, --force', 'with FILE: accept a size that is not whole records')
    .argument('[file]', 'also check FILE against the layout and print its record count')
    .action((file: string | undefined, flags: Flags) => {
      const layout = resolveLayout(flags);
      let text = flags.json ? describeSchemaJson(layout) : describeSchema(layout);
      if (file !== undefined) {
        const db = openDatabase(file, { schema: layout, force: flags.force });
        text += flags.json ? `${JSON.stringify({ file, records: db.count, tail: db.tailBytes })}\n` : `/* ${file}: ${db.count} record${db.count === 1 ? '' : 's'}${db.tailBytes ? `, ${db.tailBytes} bytes of tail` : ''} */\n`;
        db.close();
      }
      stdout(Buffer.from(text));
    });

  // Only the demo form takes extra words, to say 'unknown command' rather than 'too many arguments'.
  program.allowExcessArguments(true);
  await program.parseAsync(argv);
});
