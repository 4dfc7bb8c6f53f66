/**
 * The commands of mm-db as functions: each takes its operands and options and writes its
 * output to a {@link Sink}, so they run the same from the CLI and from tests.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, constants as fsConstants } from 'node:fs';
import { fromNodeError, systemError } from '@mm/core';
import { UsageError } from '@mm/cli';
import { layoutSchema, type FieldLayout, type Layout } from './layout.js';
import { PERSON_SCHEMA, SchemaError } from './schema/types.js';
import { parseCompactSchema } from './schema/compact.js';
import { parseCStruct } from './schema/c-struct.js';
import { type Value } from './value/kinds.js';
import { checkFieldValue, parseFieldText } from './value/parse.js';
import { openDatabase, parseIndex, DbError, type Database } from './db.js';
import { unknownField } from './fields.js';
import { RecordWriter, type LineFormat, type Sink } from './output/writer.js';
import { renderTable } from './output/table.js';
import { type InputFormat } from './io/input.js';
import { rollBack, streamRecords } from './io/stream.js';

/** How the record is described on the command line. */
export interface SchemaOptions {
  /** Compact form `id:u32,name:char[32],age:u32`. */
  schema?: string;
  /** A C declaration. */
  struct?: string;
  /** A file holding a C declaration. */
  structFile?: string;
  /** Lay out without padding (`__attribute__((packed))`). */
  packed?: boolean;
}

/** Options every command on a file takes. */
export interface FileOptions extends SchemaOptions {
  /** Ignore bytes past the last whole record. */
  force?: boolean;
}

/** The record layout chosen by the options (default: the lab's person struct). */
export function resolveLayout(o: SchemaOptions): Layout {
  const given = [o.schema !== undefined, o.struct !== undefined, o.structFile !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('give one of --schema, --struct and --struct-file');
  // A malformed option value is a usage error (exit 2), like every other bad option.
  const asUsage = (f: () => Layout): Layout => {
    try {
      return f();
    } catch (e) {
      if (e instanceof SchemaError) throw new UsageError(e.message);
      throw e;
    }
  };
  if (o.schema !== undefined) return asUsage(() => layoutSchema(parseCompactSchema(o.schema!, { packed: o.packed })));
  if (o.struct !== undefined) return asUsage(() => layoutSchema(parseCStruct(o.struct!, { packed: o.packed })));
  if (o.structFile !== undefined) {
    const src = readHeaderFile(o.structFile);
    return layoutSchema(parseCStruct(src, { label: o.structFile, packed: o.packed }));
  }
  return layoutSchema({ ...PERSON_SCHEMA, packed: !!o.packed });
}

/** Largest --struct-file mm-db reads: 1 MiB (a header with one struct is a few KiB). */
export const MAX_HEADER_FILE = 1024 * 1024;

/** Reads a --struct-file: a regular file of at most {@link MAX_HEADER_FILE} bytes. */
export function readHeaderFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw fromNodeError(e, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw systemError(21, 'read', path);
    if (!st.isFile()) throw new DbError(`${path}: not a regular file (a --struct-file must be a header file)`);
    if (st.size > MAX_HEADER_FILE) throw new DbError(`${path}: ${st.size} bytes is too large for a --struct-file (at most 1 MiB)`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } catch (e) {
    throw fromNodeError(e, path);
  } finally {
    closeSync(fd);
  }
}

/** Splits `field=value` operands and checks each value against its field. A missing `=` is a usage error. */
export function parseAssignments(layout: Layout, args: string[]): Array<[FieldLayout, Value]> {
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected field=value, got '${arg}'`);
    const name = arg.slice(0, eq);
    const f = layout.byName.get(name);
    if (!f) throw new DbError(unknownField(layout, name));
    return [f, parseFieldText(f, arg.slice(eq + 1))] as [FieldLayout, Value];
  });
}

/** Parses INDEX operands; a malformed one is a usage error. */
export function parseIndices(args: string[]): number[] {
  return args.map((a) => {
    const i = parseIndex(a);
    if (i === undefined) throw new UsageError(`invalid index '${a}' (a record number: 0, 1, 2, …)`);
    return i;
  });
}

/** Output choice of list/get/export. `table` is for terminals. */
export type OutputFormat = LineFormat | 'table';

/** Options of {@link listRecords}. */
export interface ListOptions extends FileOptions {
  format: OutputFormat;
  /** Comma-separated field names to print, in that order. */
  fields?: string;
  /** `field=value` filters; all must match. */
  where?: string[];
  /** Print at most this many records. */
  limit?: number;
  /** Add the index column (`#`); always on in a table. */
  index?: boolean;
  /** Styles the table header. */
  bold?: (s: string) => string;
}

function selectFields(layout: Layout, spec: string | undefined): FieldLayout[] {
  if (spec === undefined) return layout.fields;
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new UsageError('--fields needs at least one field name');
  return names.map((n) => {
    const f = layout.byName.get(n);
    if (!f) throw new DbError(unknownField(layout, n));
    return f;
  });
}

function* take(indices: Iterable<number>, limit: number | undefined): Generator<number> {
  if (limit === undefined) {
    yield* indices;
    return;
  }
  let n = 0;
  if (n >= limit) return;
  for (const i of indices) {
    yield i;
    if (++n >= limit) return;
  }
}

/** A sink that first checks that no page of the file vanished under what is about to be written out. */
function checked(db: Database, out: Sink): Sink {
  return (chunk) => {
    db.checkPages('being read');
    out(chunk);
  };
}

function writeRecords(db: Database, indices: Iterable<number>, o: ListOptions, sink: Sink, all: boolean): void {
  const out = checked(db, sink);
  const fields = selectFields(db.layout, o.fields);
  if (o.format === 'table') {
    out(Buffer.from(renderTable(db, indices, fields, o.bold)));
    return;
  }
  const w = new RecordWriter(db, { format: o.format, fields, index: o.index }, out);
  w.header();
  if (all && o.limit === undefined) w.writeRange(0, db.count);
  else for (const i of indices) w.write(i);
  w.end();
}

function whereClause(db: Database, where: string[] | undefined): Array<[FieldLayout, Value]> {
  return where?.length ? parseAssignments(db.layout, where) : [];
}

/** `list FILE`: every record (or those matching `where`), up to `limit`. */
export function listRecords(path: string, o: ListOptions, out: Sink): void {
  const db = openDatabase(path, { schema: resolveLayout(o), force: o.force });
  try {
    const where = whereClause(db, o.where);
    db.reading(() => {
      const all = !where.length;
      const indices = all ? range(db.count) : db.find(where);
      writeRecords(db, take(indices, o.limit), o, out, all);
    });
  } finally {
    db.close();
  }
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** `get FILE INDEX...`: the records at those indices, in the order given. */
export function getRecords(path: string, indexArgs: string[], o: ListOptions, out: Sink): void {
  const indices = parseIndices(indexArgs);
  const db = openDatabase(path, { schema: resolveLayout(o), force: o.force });
  try {
    db.reading(() => {
      for (const i of indices) if (i >= db.count) db.get(i); // throws "index out of range" before any output
      writeRecords(db, indices, o, out, false);
    });
  } finally {
    db.close();
  }
}

/** `count FILE`: the number of records (matching `where`). */
export function countRecords(path: string, o: FileOptions & { where?: string[] }, out: Sink): void {
  const db = openDatabase(path, { schema: resolveLayout(o), force: o.force });
  try {
    const where = whereClause(db, o.where);
    const n = db.reading(() => {
      if (!where.length) return db.count;
      let matches = 0;
      for (const _ of db.find(where)) matches++;
      return matches;
    });
    out(Buffer.from(`${n}\n`));
  } finally {
    db.close();
  }
}

/** `add FILE field=value...`: appends one record; prints its index. The file is created if missing. */
export function addRecord(path: string, assigns: string[], o: FileOptions, out: Sink): number {
  const layout = resolveLayout(o);
  const values = parseAssignments(layout, assigns);
  const db = openDatabase(path, { schema: layout, create: true, force: o.force });
  try {
    const i = db.add(values);
    out(Buffer.from(`${i}\n`));
    return i;
  } finally {
    db.close();
  }
}

/** `set FILE INDEX field=value...`: changes fields of one record in place. */
export function setRecord(path: string, indexArg: string, assigns: string[], o: FileOptions): void {
  const [i] = parseIndices([indexArg]);
  const layout = resolveLayout(o);
  if (!assigns.length) throw new UsageError('set needs at least one field=value');
  const values = parseAssignments(layout, assigns);
  const db = openDatabase(path, { schema: layout, writable: true, force: o.force });
  try {
    db.set(i, values);
  } finally {
    db.close();
  }
}

/** `del FILE INDEX...`: removes records (last one moves into the hole, or `keepOrder` shifts). */
export function deleteRecords(path: string, indexArgs: string[], o: FileOptions & { keepOrder?: boolean }): void {
  const indices = parseIndices(indexArgs);
  const db = openDatabase(path, { schema: resolveLayout(o), writable: true, force: o.force });
  try {
    db.del(indices, { keepOrder: o.keepOrder });
  } finally {
    db.close();
  }
}

/**
 * `import FILE [INPUT]`: appends every record of NDJSON or CSV input (default stdin), all or
 * nothing: every line is checked first; only then is the file grown and written. Returns
 * [first index, count].
 */
export function importRecords(path: string, input: string, o: FileOptions & { format?: InputFormat }): [number, number] {
  const layout = resolveLayout(o);
  let before: number | undefined;
  try {
    before = statSync(path).size;
  } catch {
    before = undefined;
  }
  let db: Database | undefined;
  let first = -1;
  try {
    const count = streamRecords(layout, input, o.format ?? 'auto', (block) => {
      db ??= openDatabase(path, { schema: layout, create: true, force: o.force });
      const at = db.append(block);
      if (first < 0) first = at;
    });
    if (!db) {
      // nothing to append: the file is still opened (created if missing), as before
      db = openDatabase(path, { schema: layout, create: true, force: o.force });
      first = db.count;
    }
    return [first, count];
  } catch (e) {
    if (db) rollBack(path, before);
    throw e;
  } finally {
    db?.close();
  }
}

/** The sample people the demo creates (the lab's `binary` program writes a handful like these). */
export const SAMPLE_PEOPLE: ReadonlyArray<Record<string, string | number>> = [
  { id: 1, name: 'Alice', age: 30 },
  { id: 2, name: 'Bob', age: 25 },
  { id: 3, name: 'Charlie', age: 35 },
  { id: 4, name: 'Diana', age: 28 },
  { id: 5, name: 'Eve', age: 22 },
];

/**
 * `mm-db FILE`: the lab demo. Creates FILE with the sample people when it does not exist
 * (the schema needs fields id, name and age), then lists it. Returns true when it created FILE.
 */
export function demo(path: string, o: ListOptions, out: Sink): boolean {
  let created = false;
  if (!existsSync(path)) {
    const layout = resolveLayout(o);
    for (const name of ['id', 'name', 'age']) {
      if (!layout.byName.has(name)) throw new DbError(`${path} does not exist, and the demo's sample people need fields id, name and age (this schema has ${layout.fields.map((f) => f.name).join(', ')})`);
    }
    const db = openDatabase(path, { schema: layout, create: true });
    try {
      if (db.count === 0) {
        db.add(...SAMPLE_PEOPLE.map((p) => Object.entries(p).map(([k, v]) => [layout.byName.get(k)!, checkFieldValue(layout.byName.get(k)!, v)] as [FieldLayout, Value])));
        created = true;
      }
    } finally {
      db.close();
    }
  }
  listRecords(path, o, out);
  return created;
}


