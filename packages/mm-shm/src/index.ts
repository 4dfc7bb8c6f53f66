/** Library API of mm-shm (importable without spawning the CLI). */
export { createObject, openForWriting, writeObject, writeObjectAsync, readObject, removeObjects, objectState, READ_WINDOW, READ_PIPE_SIZE } from './objects.js';
export type { CreateOptions, CreateResult, WriteOptions, WriteResult, ReadOptions, RemoveFailure } from './objects.js';
export { parseWordValue, openWord, waitWord, wakeWord, ringDoorbell } from './latch.js';
export type { WaitWordOptions, WaitWordResult, WakeWordOptions } from './latch.js';
export { watchObject } from './watch.js';
export type { WatchOptions, WatchResult } from './watch.js';
export { runArbiter, greeting, stepText, ARBITER_MIN_SIZE } from './arbiter.js';
export type { ArbiterOptions, ArbiterResult } from './arbiter.js';
export { hexDump, hexDumpLines } from './hexdump.js';
export type { HexDumpOptions } from './hexdump.js';
export { parseMode, octalMode, symbolicMode, userName, groupName, localTime, localTimeLong, clockTime, toRecord, toStatRecord, formatTable, formatStat } from './format.js';
export { attachments, mappingAttachments } from './attached.js';
export type { Attachments, AttachmentScan } from './attached.js';
export type { ShmRecord, TableOptions } from './format.js';
