/**
 * A database file: a headerless array of fixed-size records, record i at bytes
 * [i·size, (i+1)·size). Everything goes through one shared mapping of the file; growing
 * is ftruncate + remap under an exclusive flock, so many processes may append at once.
 */
import { fstatSync, ftruncateSync, closeSync, constants as fsConstants } from 'node:fs';
import { openFile, openMapping, flock, allocate, fromNodeError, systemError, type Mapping } from '@mm/core';
import { layoutSchema, type Layout, type FieldLayout } from './layout.js';
import { PERSON_SCHEMA, type SchemaSpec } from './schema/types.js';
import { ValueError, type Row, type Value } from './value/kinds.js';
import { checkFieldValue } from './value/parse.js';
import { fieldReader, fieldWriter, rowReader, type FieldReader, type FieldWriter } from './record.js';
import { unknownField } from './fields.js';

/** A database problem (bad file size, index out of range, unknown field). Exit status 1 in the CLI. */
export class DbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DbError';
  }
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** The record's schema (a {@link SchemaSpec} or a ready {@link Layout}). Default: the lab's person struct. */
  schema?: SchemaSpec | Layout;
  /** Open for writing (set, add, del, import). Default false: a read-only mapping. */
  writable?: boolean;
  /** Create the file (empty) if it does not exist; implies writable. */
  create?: boolean;
  /** Accept a size that is not a multiple of the record size: the tail is ignored (and overwritten or dropped by writes). */
  force?: boolean;
}

/** Assignments for {@link Database.set} and {@link Database.add}: field name → value. */
export type Assignments = Record<string, unknown>;

function isLayout(s: SchemaSpec | Layout): s is Layout {
  return (s as Layout).byName instanceof Map;
}

/** Parses a record index (a whole number, no sign), as the CLI's INDEX operands. Returns undefined when malformed. */
export function parseIndex(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One open database file. Writes go through the shared mapping under an exclusive flock;
 * {@link Database.reading} holds a shared flock around a batch of reads, so a writer of this
 * tool never shrinks the file under a reader. Direct reads ({@link Database.get} and
 * friends) take no lock. A file shrunk by someone else (`truncate`) reads as zeros past its
 * new end, and {@link Database.checkPages} says so.
 */
export class Database {
  /** The file (as given) for messages. */
  readonly path: string;
  /** The record layout. */
  readonly layout: Layout;
  /** Record size in bytes. */
  readonly recordSize: number;
  readonly writable: boolean;
  readonly force: boolean;
  private fd: number;
  private map!: Mapping;
  private dv!: DataView;
  private bytesView!: Buffer;
  private fileSize = 0;
  private n = 0;
  private readonly readers: FieldReader[];
  private readonly writers: FieldWriter[];
  private readonly readRow: (dv: DataView, bytes: Buffer, base: number) => Row;

  /** @internal Use {@link openDatabase}. */
  constructor(path: string, fd: number, layout: Layout, writable: boolean, force: boolean) {
    this.path = path;
    this.fd = fd;
    this.layout = layout;
    this.recordSize = layout.size;
    this.writable = writable;
    this.force = force;
    this.readers = layout.fields.map(fieldReader);
    this.writers = layout.fields.map(fieldWriter);
    this.readRow = rowReader(layout.fields);
    this.remap();
  }

  /** Records in the file. */
  get count(): number {
    return this.n;
  }

  /** Bytes past the last whole record (0 unless opened with `force`). */
  get tailBytes(): number {
    return this.fileSize - this.n * this.recordSize;
  }

  /** The mapped bytes of the whole file (a zero-copy view; valid until the next write that resizes). */
  get bytes(): Buffer {
    return this.bytesView;
  }

  /** A DataView over the mapping (same lifetime as {@link Database.bytes}). */
  get view(): DataView {
    return this.dv;
  }

  private stat(): number {
    try {
      return fstatSync(this.fd).size;
    } catch (e) {
      throw fromNodeError(e, this.path);
    }
  }

  private checkSize(size: number): void {
    const rs = this.recordSize;
    if (size % rs !== 0 && !this.force) {
      const whole = Math.floor(size / rs);
      throw new DbError(`${this.path}: size ${size} bytes is not a multiple of the record size ${rs} (${whole} record${whole === 1 ? '' : 's'} and ${size % rs} bytes over); wrong schema? --force ignores the tail`);
    }
  }

  /** Maps the file as it is now (after another process or this one changed its size). */
  private remap(): void {
    const size = this.stat();
    this.checkSize(size);
    this.map?.unmap();
    this.map = openMapping(this.fd, { access: this.writable ? 'rw' : 'r', sharing: 'shared', name: this.path });
    this.bytesView = this.map.bytes;
    this.dv = new DataView(this.map.buffer);
    this.fileSize = size;
    this.n = Math.floor(size / this.recordSize);
  }

  /** Re-reads the file size and remaps when another process grew or shrank it. Returns the record count. */
  refresh(): number {
    if (this.stat() !== this.fileSize) this.remap();
    return this.n;
  }

  private checkIndex(i: number): number {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.n) {
      throw new DbError(`${this.path}: index ${i} is out of range (${this.n} record${this.n === 1 ? '' : 's'}${this.n ? `: 0..${this.n - 1}` : ''})`);
    }
    return i;
  }

  /** The field named `name`, or a DbError listing the fields. */
  field(name: string): FieldLayout {
    const f = this.layout.byName.get(name);
    if (!f) throw new DbError(unknownField(this.layout, name));
    return f;
  }

  /** Record `i` as an object (64-bit integers as BigInts, char[N] as strings). */
  get(i: number): Row {
    if (!(i >= 0 && i < this.n) || Math.floor(i) !== i) this.checkIndex(i);
    return this.readRow(this.dv, this.bytesView, i * this.recordSize);
  }

  /** One field of record `i`. */
  getField(i: number, name: string): Value {
    this.checkIndex(i);
    const f = this.field(name);
    return this.readers[f.index](this.dv, this.bytesView, i * this.recordSize);
  }

  /** Record `i` as its raw bytes (a copy). */
  raw(i: number): Buffer {
    this.checkIndex(i);
    return Buffer.from(this.bytesView.subarray(i * this.recordSize, (i + 1) * this.recordSize));
  }

  /**
   * Checks assignments against the schema and returns them as [field, value] pairs; an
   * unknown field or a bad value throws before anything is written.
   */
  check(values: Assignments): Array<[FieldLayout, Value]> {
    return Object.entries(values).map(([name, v]) => {
      const f = this.field(name);
      return [f, checkFieldValue(f, v)] as [FieldLayout, Value];
    });
  }

  /** Encodes checked values into a fresh record (unset fields zero). */
  encode(values: Array<[FieldLayout, Value]>, into: Buffer = Buffer.alloc(this.recordSize), base = 0): Buffer {
    const dv = new DataView(into.buffer, into.byteOffset, into.byteLength);
    for (const [f, v] of values) this.writers[f.index](dv, into, base, v);
    return into;
  }

  private requireWritable(): void {
    if (!this.writable) throw new DbError(`${this.path}: opened read-only`);
  }

  /**
   * Throws (a SystemError: `FILE: file shrank to N bytes while …`) if pages of the mapping
   * vanished because another process shrank the file. `doing` ends the sentence.
   */
  checkPages(doing = 'being read'): void {
    this.map.check(doing);
  }

  /**
   * Runs a batch of reads under a shared flock (writers of this tool that shrink the file
   * wait for it), after picking up any change of size made before the lock was taken; then
   * checks that no page vanished under the batch (someone who does not lock shrank the file).
   */
  reading<T>(fn: () => T): T {
    flock(this.fd, 'shared', { name: this.path });
    try {
      this.refresh();
      const result = fn();
      this.checkPages('being read');
      return result;
    } finally {
      flock(this.fd, 'unlock', { name: this.path });
    }
  }

  private locked<T>(fn: () => T): T {
    flock(this.fd, 'exclusive', { name: this.path });
    try {
      return fn();
    } finally {
      flock(this.fd, 'unlock', { name: this.path });
    }
  }

  /** Changes fields of record `i` in place (others keep their bytes). Values are checked first. */
  set(i: number, values: Assignments | Array<[FieldLayout, Value]>): void {
    this.requireWritable();
    const checked = Array.isArray(values) ? values : this.check(values);
    this.locked(() => {
      this.remap();
      this.checkIndex(i);
      const base = i * this.recordSize;
      for (const [f, v] of checked) this.writers[f.index](this.dv, this.bytesView, base, v);
      this.checkPages('being written');
    });
  }

  /** Appends records (each an object of assignments; unset fields are zero). Returns the index of the first. */
  add(...rows: Array<Assignments | Array<[FieldLayout, Value]>>): number {
    this.requireWritable();
    const rs = this.recordSize;
    const block = Buffer.alloc(rows.length * rs);
    rows.forEach((r, k) => this.encode(Array.isArray(r) ? r : this.check(r), block, k * rs));
    return this.append(block);
  }

  /**
   * Appends whole encoded records (`block.length` a multiple of the record size): takes an
   * exclusive flock, grows the file with ftruncate (and posix_fallocate, so a full disk is
   * an error now rather than a SIGBUS later), remaps, copies, unlocks. On failure the file
   * is cut back to its old size. Returns the index of the first new record.
   */
  append(block: Buffer): number {
    this.requireWritable();
    const rs = this.recordSize;
    if (block.length % rs !== 0) throw new DbError(`append: ${block.length} bytes are not whole records of ${rs}`);
    return this.locked(() => {
      const oldSize = this.stat();
      this.checkSize(oldSize);
      const first = Math.floor(oldSize / rs);
      if (!block.length) {
        this.remap();
        return first;
      }
      const start = first * rs;
      const newSize = start + block.length;
      try {
        ftruncateSync(this.fd, newSize);
        allocate(this.fd, start, block.length, this.path);
        this.remap();
        block.copy(this.bytesView, start);
        this.checkPages('being written');
      } catch (e) {
        try {
          ftruncateSync(this.fd, oldSize);
          this.remap();
        } catch {
          // Reported below: the original error says what went wrong.
        }
        throw fromNodeError(e, this.path);
      }
      return first;
    });
  }

  /**
   * Deletes records. By default the last record moves into each hole (O(1), order
   * changes); with `keepOrder` the records after it shift down one place. Returns the new count.
   */
  del(indices: number[], options: { keepOrder?: boolean } = {}): number {
    this.requireWritable();
    const rs = this.recordSize;
    return this.locked(() => {
      this.remap();
      for (const i of indices) this.checkIndex(i);
      const sorted = [...new Set(indices)].sort((a, b) => b - a);
      let n = this.n;
      const bytes = this.bytesView;
      for (const i of sorted) {
        if (options.keepOrder) bytes.copyWithin(i * rs, (i + 1) * rs, n * rs);
        else if (i !== n - 1) bytes.copyWithin(i * rs, (n - 1) * rs, n * rs);
        n--;
      }
      this.checkPages('being written');
      this.map.unmap();
      try {
        ftruncateSync(this.fd, n * rs);
      } catch (e) {
        throw fromNodeError(e, this.path);
      } finally {
        this.remap();
      }
      return this.n;
    });
  }

  /** Indices of the records whose fields equal all the given values. */
  *find(where: Array<[FieldLayout, Value]>): Generator<number> {
    const preds = where.map(([f, v]) => {
      const read = this.readers[f.index];
      return (base: number) => sameValue(read(this.dv, this.bytesView, base), v);
    });
    for (let i = 0; i < this.n; i++) {
      const base = i * this.recordSize;
      if (preds.every((p) => p(base))) yield i;
    }
  }

  /**
   * Brings the pages holding records [first, first + count) into this process's page tables
   * in one call (MADV_POPULATE_READ) instead of one page fault at a time: for a sequential
   * pass over many records. Best effort: where the kernel lacks it, pages fault in as usual.
   */
  prefault(first: number, count: number): void {
    const range = this.recordRange(first, count);
    if (!range) return;
    try {
      this.map.advise('populate', range);
    } catch {
      // an older kernel (EINVAL): the reads fault the pages in
    }
  }

  /**
   * Drops this process's page-table entries for records [first, first + count)
   * (MADV_DONTNEED on the shared file mapping: the bytes stay in the file and the page
   * cache, and a later read faults them back in), so that one pass over a file larger than
   * memory keeps its resident size bounded. Only whole pages inside the range are dropped
   * (core rounds inward), so a range smaller than a page drops nothing.
   */
  release(first: number, count: number): void {
    const range = this.recordRange(first, count);
    if (!range) return;
    try {
      this.map.discard('dontneed', range);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ERR_MM_NO_WHOLE_PAGE') throw e;
    }
  }

  private recordRange(first: number, count: number): { offset: number; length: number } | null {
    const end = Math.min(first + count, this.n);
    if (!(first >= 0 && end > first)) return null;
    return { offset: first * this.recordSize, length: (end - first) * this.recordSize };
  }

  /** Unmaps and closes the file. Safe to call twice. */
  close(): void {
    this.map?.unmap();
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < a.length; i++) if (a[i] !== (b[i] ?? (typeof a[i] === 'bigint' ? 0n : typeof a[i] === 'boolean' ? false : 0))) return false;
    return true;
  }
  return a === b;
}

/** A database is a regular file: a directory is EISDIR, a FIFO or device ENODEV, each named after `path`. */
function checkRegular(fd: number, path: string): void {
  let st;
  try {
    st = fstatSync(fd);
  } catch (e) {
    throw fromNodeError(e, path);
  }
  if (st.isDirectory()) throw systemError(21 /* EISDIR */, 'open', path);
  if (!st.isFile()) {
    const e = systemError(19 /* ENODEV */, 'mmap', path);
    e.message = `${path}: not a regular file (a database is a file of records, which a pipe or device cannot be)`;
    throw e;
  }
}

/**
 * Opens a database file: maps it shared (read-only, or read-write when `writable`) and
 * checks that its size is whole records. Errors: ENOENT and friends as SystemErrors, a bad
 * size as a {@link DbError}.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const schema = options.schema ?? PERSON_SCHEMA;
  const layout = isLayout(schema) ? schema : layoutSchema(schema);
  const writable = !!(options.writable || options.create);
  let flags = (writable ? fsConstants.O_RDWR : fsConstants.O_RDONLY) | fsConstants.O_NONBLOCK;
  if (options.create) flags |= fsConstants.O_CREAT;
  const fd = openFile(path, flags);
  try {
    checkRegular(fd, path);
    return new Database(path, fd, layout, writable, !!options.force);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export { ValueError };
