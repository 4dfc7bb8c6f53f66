/**
 * mm-db as a library: open a file that is an array of C structs and read or edit its
 * records through a shared memory mapping, with the same schemas and layout as the CLI.
 *
 * ```ts
 * import { openDatabase } from 'mm-db';
 * const db = openDatabase('people.db');              // the lab's 40-byte person struct
 * db.get(3);                                         // { id: 4, name: 'Diana', age: 28 }
 * ```
 */
export { openDatabase, Database, DbError, parseIndex } from './db.js';
export type { OpenOptions, Assignments } from './db.js';
export { PERSON_SCHEMA, KINDS, SchemaError } from './schema/types.js';
export type { Kind, FieldSpec, SchemaSpec } from './schema/types.js';
export { parseCompactSchema } from './schema/compact.js';
export { parseCStruct } from './schema/c-struct.js';
export { formatCompactSchema, formatCStruct, cTypeName, describeSchema, describeSchemaJson } from './schema/print.js';
export { layoutSchema, KIND_SIZE } from './layout.js';
export type { Layout, FieldLayout } from './layout.js';
export { ValueError, intRange, typeLabel } from './value/kinds.js';
export type { Scalar, Value, Row } from './value/kinds.js';
export { parseFieldText, checkFieldValue, parseInteger, parseFloatText, parseBool, zeroValue } from './value/parse.js';
export { formatFloat, formatValueText, formatValueJson, formatRowJson } from './value/format.js';
export { fieldReader, fieldWriter, decodeText } from './record.js';
export type { FieldReader, FieldWriter } from './record.js';
export { ACCESSORS } from './accessors.js';
export type { Accessor, ScalarKind } from './accessors.js';
export { RecordWriter, INDEX_KEY, PASS_BLOCK } from './output/writer.js';
export type { LineFormat, Sink, RecordWriterOptions } from './output/writer.js';
export { renderTable } from './output/table.js';
export { encodeRecords } from './io/input.js';
export type { InputFormat, Encoded } from './io/input.js';
export { parseCsv } from './io/csv.js';
export {
  resolveLayout, parseAssignments, parseIndices, listRecords, getRecords, countRecords, addRecord, setRecord, deleteRecords,
  importRecords, demo, SAMPLE_PEOPLE,
} from './commands.js';
export type { SchemaOptions, FileOptions, ListOptions, OutputFormat } from './commands.js';
