/**
 * Library API of mm-maps: read and classify the mappings of any process, filter them, and
 * format them the way the `mm-maps` command does (text, NDJSON, totals by kind).
 */
export { MAPPING_KINDS, SUMMARY_GROUPS, classifyMapping, codeFiles, guessExecutable, summaryGroup, displayName } from './kind.js';
export type { SummaryGroup } from './kind.js';
export { readView, viewFromBytes, splitRaw, commandLine, markRanges } from './view.js';
export type { Target, MapRow, ProcessView, ReadViewOptions, MarkedRange } from './view.js';
export { parseKinds, parsePerms, permsMatch, rowMatches, isEmptyFilter, FilterError } from './filter.js';
export type { RowFilter, PermsPattern } from './filter.js';
export { SMAPS_COLUMNS, MARK, addressRange, headerLine, formatRow, totals, dirtyOf, totalsLine, formatListing, rowJson, formatJson, summarize, formatSummary, formatSummaryJson } from './format.js';
export type { Totals } from './format.js';
export { mapFiles, unmapAll } from './own.js';
export type { OwnMappings } from './own.js';
export { waitForQuit } from './wait.js';
export type { QuitReason, WaitOptions } from './wait.js';
export { render, pidHeading, showProcesses, showSelf, showHolders, runMaps } from './maps.js';
export { renderSvg, renderHtml, regionHeight, regionLabel, KIND_COLOURS, FILE_OUTLINE } from './svg.js';
export type { SvgOptions } from './svg.js';
export { who, whoTargets, howHeld, formatWho, formatWhoJson, unreadableNote } from './who.js';
export type { WhoResult } from './who.js';
export type { MapsOptions, MapsOutput } from './maps.js';
// The maps/smaps parser itself lives in @mm/core; re-exported here for users of this package.
export { parseMaps, parseMapsLine, parseSmaps, readMaps, readSmaps, mappingKind } from '@mm/core';
export type { MapsEntry, SmapsEntry, MappingKind } from '@mm/core';
