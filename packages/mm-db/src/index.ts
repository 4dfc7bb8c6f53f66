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
export { parseCompactSchema, parseCStruct, formatCompactSchema, formatCStruct, cTypeName, PERSON_SCHEMA, KINDS, SchemaError } from './schema.js';
export type { Kind, FieldSpec, SchemaSpec } from './schema.js';
export { layoutSchema, KIND_SIZE } from './layout.js';
export type { Layout, FieldLayout } from './layout.js';
export {
  ValueError, parseFieldText, checkFieldValue, parseInteger, parseFloatText, parseBool, formatFloat, formatValueText, formatValueJson,
  fieldReader, fieldWriter, decodeText, zeroValue, intRange, typeLabel,
} from './codec.js';
export type { Scalar, Value, Row, FieldReader, FieldWriter } from './codec.js';
export { RecordWriter, renderTable, formatRowJson, INDEX_KEY, PASS_BLOCK } from './format.js';
export type { LineFormat, Sink, RecordWriterOptions } from './format.js';
export { encodeRecords, parseCsv } from './ingest.js';
export type { InputFormat, Encoded } from './ingest.js';
export {
  resolveLayout, parseAssignments, parseIndices, listRecords, getRecords, countRecords, addRecord, setRecord, deleteRecords,
  importRecords, describeSchema, describeSchemaJson, demo, SAMPLE_PEOPLE,
} from './commands.js';
export type { SchemaOptions, FileOptions, ListOptions, OutputFormat } from './commands.js';
