/**
 * @mm/core — memory mapping and POSIX shared memory for Node.js on Linux.
 *
 * Files, anonymous memory and shm objects are mapped by native code (Node-API, prebuilt);
 * everything here is a typed, checked layer over it. See docs/architecture.md.
 */
export { pageSize, maxMappingLength, Mapping, openMapping, mapAnonymous, forEachWindow, checkSize } from './map.js';
export type { Access, Sharing, Advice, DestructiveAdvice, Range, MapFileOptions, MapAnonymousOptions, WindowOptions, MappingFaultError } from './map.js';
export { SHM_DIR, SHM_NAME_MAX, validateShmName, shmOpen, shmUnlink, shmStat, shmList, openShmMapping } from './shm.js';
export type { ShmOpenOptions, ShmHandle, ShmInfo, ShmMapOptions } from './shm.js';
export { writeAll, spliceToPipe, readSome, openFile, flock, allocate, growPipe, seek, reopenFd } from './io.js';
export { checkFd, checkPid, checkMode } from './checks.js';
export { FileStat, fileStat, isPseudoFileSystem } from './stat.js';
export type { LockKind } from './io.js';
export { probeAccess, forkSignalReader, writeSignalPayload, waitChild, signalName, signalNumber } from './fork.js';
export type { ChildExit, ProbeResult, ProbeOptions, SignalReaderOptions, PayloadLayout } from './fork.js';
export { createSlotRing, forkRingWriter, fillSlots, stopSlotRing, slotRingWriteError, RING_HEADER, RING_MAX_SLOTS } from './ring.js';
export type { SlotRing, SlotRingOptions, RingWriterOptions, FillResult, FillOptions } from './ring.js';
export { incrementLoop, addUntilStop } from './loops.js';
export type { IncrementOptions, AddUntilStopOptions } from './loops.js';
export { futexWait, futexWaitAsync, futexWake, futexPendingWaits } from './futex.js';
export type { FutexWaitResult, FutexWaitOptions, FutexWaitAsyncOptions } from './futex.js';
export { parseMaps, parseMapsLine, parseSmaps, readMaps, readSmaps, readMapsText, readProcBytes, mappingKind, codeFiles, processExe, findMapping } from './procmaps.js';
export type { MapsEntry, SmapsEntry, MappingKind } from './procmaps.js';
export { MmError, isSystemError, systemError, errnoName, fromNodeError } from './errors.js';
export type { SystemError } from './errors.js';
export { fileTarget, shmTarget, findHolders } from './holders.js';
export type { HolderTarget, HeldMapping, HeldFd, Holder, HolderScan, FindHoldersOptions } from './holders.js';
export { decodeBytes, encodeBytes, hasRawBytes } from './text.js';
export { compileRecordPlan, formatRecords } from './records.js';
export type { RecordFieldKind, RecordLineFormat, RecordFieldSpec, RecordPlanSpec, RecordPlan, FormatRecordsResult } from './records.js';
