import type { SmapsEntry } from '@mm/core';
import { formatBytes } from '@mm/cli';
import { SUMMARY_GROUPS, summaryGroup, type SummaryGroup } from './kind.js';
import type { MapRow, ProcessView } from './view.js';

/** The fill colour of each `--summary` group, as the picture and its legend use it. */
export const KIND_COLOURS: Readonly<Record<SummaryGroup, string>> = {
  program: '#4e79a7',
  libraries: '#59a14f',
  heap: '#f28e2b',
  stack: '#e15759',
  anonymous: '#a0a0a0',
  'file-backed': '#76b7b2',
  'shared-memory': '#b07aa1',
  'vdso/vvar': '#edc948',
  other: '#9c755f',
};

/** The outline colour of the FILE operands' mappings. */
export const FILE_OUTLINE = '#d4001a';

/** Options of {@link renderSvg}. */
export interface SvgOptions {
  /** The title line, e.g. `PID 42: sleep 300`. */
  title: string;
  /** Mappings left out by a filter: gaps that hold some are labelled with how many, not as unmapped. */
  hidden?: readonly MapRow[];
}

// Layout, in pixels. Text is monospace, so widths follow from character counts.
const FONT = 12;
const CHAR = 7.3; // advance of a 12px DejaVu/Liberation Mono glyph, rounded up
const PAD = 12;
const ADDR_X = PAD;
const BAR_X = PAD + 17 * CHAR + 8;
const BAR_W = 170;
const LABEL_X = BAR_X + BAR_W + 10;
const MAX_LABEL = 96;
const GAP_H = 16;
const LEGEND_ROW = 20;

/**
 * Height of a region: 18 px for one page, 4 px more for each doubling — so a 4 KiB page and a
 * 1 GiB region (18 + 72 px) are both visible and big regions still look big.
 */
export function regionHeight(bytes: number): number {
  const pages = Math.max(1, bytes / 4096);
  return Math.round(18 + 4 * Math.log2(pages));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Shortens `s` to at most `max` characters by cutting out its middle. */
function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const keep = max - 1;
  return s.slice(0, Math.ceil(keep / 2)) + '…' + s.slice(s.length - Math.floor(keep / 2));
}

const hex = (n: bigint): string => n.toString(16).padStart(8, '0');

function rssOf(row: MapRow): number | undefined {
  return (row.entry as SmapsEntry).fields?.Rss;
}

/** The visible label of a region: path or [name], size, permissions, (resident), FILE mark. */
export function regionLabel(row: MapRow, extended: boolean): string {
  const rss = rssOf(row);
  const parts = [shorten(row.name, MAX_LABEL), formatBytes(row.entry.size), row.entry.perms];
  if (extended) parts.push(`rss ${formatBytes(rss ?? 0)}`);
  if (row.mark !== undefined) parts.push('<- FILE');
  return parts.join(' · ');
}

function tooltip(row: MapRow, extended: boolean): string {
  const e = row.entry;
  const lines = [`${hex(e.start)}-${hex(e.end)} ${e.perms} offset ${e.offset.toString(16)} dev ${e.device} inode ${e.inode}`, `${row.name}`, `${row.kind}, ${formatBytes(e.size)} (${e.size} bytes)`];
  if (extended) {
    const f = (e as SmapsEntry).fields ?? {};
    lines.push(`Rss ${formatBytes(f.Rss ?? 0)}, Pss ${formatBytes(f.Pss ?? 0)}, Dirty ${formatBytes((f.Shared_Dirty ?? 0) + (f.Private_Dirty ?? 0))}, Swap ${formatBytes(f.Swap ?? 0)}`);
  }
  if (row.mark !== undefined) lines.push(`mapped for FILE ${row.mark}`);
  return lines.join('\n');
}

/**
 * The address space of one process as an SVG picture: one bar per mapping in address
 * order, its height growing with the log of its size, unmapped gaps between mappings
 * squeezed to a thin labelled band, each bar coloured by kind (see {@link KIND_COLOURS})
 * and labelled with its start address, path or [name], size and permissions. With smaps
 * rows (`view.extended`) the resident share of each bar is solid and the rest pale; the
 * FILE operands' mappings are outlined. A legend of the kinds shown heads the picture.
 * The same view gives the same bytes.
 */
export function renderSvg(view: ProcessView, options: SvgOptions): string {
  const rows = view.rows;
  const extended = view.extended;
  const groups = SUMMARY_GROUPS.filter((g) => rows.some((r) => summaryGroup(r.kind) === g));
  const marked = rows.some((r) => r.mark !== undefined);

  // Legend: swatches of the kinds present, then FILE / resident / gap keys, wrapped to the width.
  const labels = rows.map((r) => regionLabel(r, extended));
  const longest = Math.max(64, ...labels.map((l) => l.length));
  const width = Math.ceil(LABEL_X + longest * CHAR + PAD);
  const legendItems: { swatch: string; text: string }[] = groups.map((g) => ({
    swatch: `<rect class="swatch" data-kind="${g}" width="14" height="14" fill="${KIND_COLOURS[g]}"/>`,
    text: g,
  }));
  if (marked) legendItems.push({ swatch: `<rect width="14" height="14" fill="#ffffff" stroke="${FILE_OUTLINE}" stroke-width="3"/>`, text: 'FILE' });
  if (extended) legendItems.push({ swatch: `<rect width="14" height="14" fill="#4e79a7" fill-opacity="0.3"/><rect width="7" height="14" fill="#4e79a7"/>`, text: 'resident (solid)' });
  legendItems.push({ swatch: `<line x1="0" y1="7" x2="14" y2="7" stroke="#888888" stroke-dasharray="3 2"/>`, text: options.hidden?.length ? 'gap (unmapped, or mappings not shown)' : 'unmapped gap' });

  const out: string[] = [];
  let y = PAD + FONT + 2;
  const body: string[] = [];
  body.push(`<text class="title" x="${PAD}" y="${y}" font-weight="bold">${esc(options.title)}</text>`);
  y += 8;
  let lx = PAD;
  let ly = y;
  for (const item of legendItems) {
    const w = 14 + 6 + item.text.length * CHAR + 18;
    if (lx + w > width - PAD && lx > PAD) {
      lx = PAD;
      ly += LEGEND_ROW;
    }
    body.push(`<g class="legend-item" transform="translate(${lx.toFixed(1)},${ly})">${item.swatch}<text x="20" y="11">${esc(item.text)}</text></g>`);
    lx += w;
  }
  y = ly + LEGEND_ROW + 10;

  let prevEnd: bigint | undefined;
  rows.forEach((row, i) => {
    const e = row.entry;
    if (prevEnd !== undefined && e.start > prevEnd) {
      const gap = Number(e.start - prevEnd);
      const mid = y + GAP_H / 2;
      const from = prevEnd;
      const inside = (options.hidden ?? []).filter((h) => h.entry.start >= from && h.entry.end <= e.start);
      const what = inside.length === 0 ? `… ${formatBytes(gap)} unmapped …` : `… ${formatBytes(gap)}: ${inside.length} mapping${inside.length === 1 ? '' : 's'} not shown (${formatBytes(inside.reduce((n, h) => n + h.entry.size, 0))}) …`;
      body.push(
        `<g class="gap" data-bytes="${gap}"><line x1="${BAR_X}" y1="${mid}" x2="${BAR_X + BAR_W}" y2="${mid}" stroke="#888888" stroke-dasharray="3 2"/>` +
          `<text x="${LABEL_X}" y="${mid + 4}" fill="#666666" font-style="italic">${esc(what)}</text></g>`,
      );
      y += GAP_H;
    }
    const h = regionHeight(e.size);
    const group = summaryGroup(row.kind);
    const colour = KIND_COLOURS[group];
    const top = y + 1;
    const bh = h - 2;
    const parts: string[] = [`<title>${esc(tooltip(row, extended))}</title>`];
    if (extended) {
      const rss = Math.min(rssOf(row) ?? 0, e.size);
      const rw = e.size > 0 ? (BAR_W * rss) / e.size : 0;
      parts.push(`<rect class="bar" x="${BAR_X}" y="${top}" width="${BAR_W}" height="${bh}" fill="${colour}" fill-opacity="0.3"/>`);
      if (rw > 0) parts.push(`<rect class="resident" x="${BAR_X}" y="${top}" width="${rw.toFixed(1)}" height="${bh}" fill="${colour}"/>`);
    } else {
      parts.push(`<rect class="bar" x="${BAR_X}" y="${top}" width="${BAR_W}" height="${bh}" fill="${colour}"/>`);
    }
    if (row.mark !== undefined) parts.push(`<rect class="file-outline" x="${BAR_X - 1.5}" y="${top - 0.5}" width="${BAR_W + 3}" height="${bh + 1}" fill="none" stroke="${FILE_OUTLINE}" stroke-width="3"/>`);
    const ty = y + h / 2 + 4;
    parts.push(`<text class="addr" x="${ADDR_X}" y="${ty}" fill="#555555">${hex(e.start)}</text>`);
    parts.push(`<text class="label" x="${LABEL_X}" y="${ty}"${row.mark !== undefined ? ` fill="${FILE_OUTLINE}" font-weight="bold"` : ''}>${esc(labels[i])}</text>`);
    body.push(`<g class="region${row.mark !== undefined ? ' file' : ''}" data-kind="${group}" data-start="0x${e.start.toString(16)}" data-size="${e.size}">${parts.join('')}</g>`);
    y += h;
    prevEnd = e.end;
  });
  const height = Math.ceil(y + PAD);
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Liberation Mono, monospace" font-size="${FONT}">`,
  );
  out.push(`<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(...body);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * The picture in a small HTML page: hovering a region outlines it and shows its details
 * (range, offset, device, inode, smaps sizes) from the SVG's own titles.
 */
export function renderHtml(view: ProcessView, options: SvgOptions): string {
  const svg = renderSvg(view, options).replace(/^<\?xml[^>]*>\n/, '');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(options.title)}</title>`,
    '<style>body{margin:0;background:#fff}.region:hover .bar{stroke:#000;stroke-width:2}.region:hover .label{font-weight:bold}</style>',
    '</head><body>',
    svg.trimEnd(),
    '</body></html>',
    '',
  ].join('\n');
}
