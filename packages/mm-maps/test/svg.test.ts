// --svg / --html checked as a person sees them: rendered by headless Chromium to PNG, and the
// page inspected in the browser — labels in the DOM, each kind's colour, nothing outside the
// viewport, a PNG that is not blank — against the kernel's own /proc/PID/maps.
import { closeSync, ftruncateSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mappingKind, parseMaps, codeFiles } from '@mm/core';
import { formatBytes } from '@mm/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, runBin, tempDir, uniqueShmName } from '@mm/testkit';
import { FILE_OUTLINE, KIND_COLOURS, summaryGroup } from '../src/index.js';
import { colourCounts, decodePng, dumpDom, findChromium, screenshot } from './chromium.js';
import { procLines, quietSleeper } from './helpers.js';

const bin = binPath('mm-maps');
let tmp: ReturnType<typeof tempDir>;
let chromium: { bin: string } | { reason: string };
let sleeper: Awaited<ReturnType<typeof quietSleeper>>;
const shmName = uniqueShmName('mmsvg');

beforeAll(async () => {
  tmp = tempDir('mm-maps-svg-');
  sleeper = await quietSleeper();
  chromium = findChromium();
  if ('reason' in chromium) console.warn(`skipping the Chromium checks: ${chromium.reason}`);
}, 600_000);
afterAll(() => {
  sleeper?.kill();
  tmp?.cleanup();
  rmSync(`/dev/shm/${shmName}`, { force: true });
});

interface RegionInfo {
  kind: string;
  start: string;
  size: number;
  file: boolean;
  fill: string;
  opacity: string;
  bar: { top: number; height: number; width: number };
  resident: number | null;
  outline: string | null;
  label: string;
  addr: string;
}
interface PageReport {
  W: number;
  H: number;
  innerW: number;
  scrollW: number;
  scrollH: number;
  outside: string[];
  regions: RegionInfo[];
  gaps: { bytes: number; text: string }[];
  legend: { kind: string; fill: string }[];
  legendText: string[];
}

// Runs in Chromium after the SVG is in the page: what a person would look for, measured.
const CHECK = `
const svg = document.querySelector('svg');
// The viewport is the one the SVG declares (the screenshot window is set to it).
const W = svg.width.baseVal.value, H = svg.height.baseVal.value;
const o = svg.getBoundingClientRect();
const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left - o.left, top: r.top - o.top, right: r.right - o.left, bottom: r.bottom - o.top, width: r.width, height: r.height }; };
const outside = [...svg.querySelectorAll('text, rect, line')].filter((el) => { const r = box(el); return r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5; }).map((el) => el.outerHTML.slice(0, 120));
const regions = [...svg.querySelectorAll('g.region')].map((g) => {
  const bar = g.querySelector('rect.bar'), res = g.querySelector('rect.resident'), out = g.querySelector('rect.file-outline');
  const b = box(bar);
  return { kind: g.dataset.kind, start: g.dataset.start, size: Number(g.dataset.size), file: g.classList.contains('file'),
    fill: getComputedStyle(bar).fill, opacity: getComputedStyle(bar).fillOpacity, bar: { top: b.top, height: b.height, width: b.width },
    resident: res ? box(res).width : null, outline: out ? getComputedStyle(out).stroke : null,
    label: g.querySelector('text.label').textContent, addr: g.querySelector('text.addr').textContent };
});
const gaps = [...svg.querySelectorAll('g.gap')].map((g) => ({ bytes: Number(g.dataset.bytes), text: g.textContent }));
const legend = [...svg.querySelectorAll('rect.swatch')].map((r) => ({ kind: r.dataset.kind, fill: getComputedStyle(r).fill }));
const legendText = [...svg.querySelectorAll('g.legend-item text')].map((t) => t.textContent);
const report = { W, H, innerW: innerWidth, scrollW: document.documentElement.scrollWidth, scrollH: document.body.getBoundingClientRect().height, outside, regions, gaps, legend, legendText };
document.getElementById('report').textContent = encodeURIComponent(JSON.stringify(report));
`;

function size(svg: string): { width: number; height: number } {
  const m = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  if (!m) throw new Error('no <svg width height>');
  return { width: Number(m[1]), height: Number(m[2]) };
}

function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** Screenshot of the SVG file itself, and the page report from the SVG inline in a checking page. */
function inChromium(name: string, svg: string): { report: PageReport; png: Buffer } {
  if ('reason' in chromium) throw new Error(chromium.reason);
  const { width, height } = size(svg);
  const svgFile = join(tmp.path, `${name}.svg`);
  writeFileSync(svgFile, svg);
  const png = screenshot(chromium.bin, svgFile, width, height, join(tmp.path, `${name}.png`));
  const page = join(tmp.path, `${name}.html`);
  writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}svg{display:block}#report{display:none}</style></head><body>${svg.replace(/^<\?xml[^>]*>\n/, '')}<pre id="report"></pre><script>${CHECK}</script></body></html>`);
  const dom = dumpDom(chromium.bin, page, width, height + 200);
  const m = /<pre id="report">([^<]*)<\/pre>/.exec(dom);
  if (!m || !m[1]) throw new Error(`the checking script did not report: ${dom.slice(0, 300)}`);
  return { report: JSON.parse(decodeURIComponent(m[1])) as PageReport, png };
}

function kindsOf(mapsText: string, exe: string): Set<string> {
  const entries = parseMaps(mapsText);
  const code = codeFiles(entries);
  return new Set(entries.map((e) => summaryGroup(mappingKind(e, exe, code))));
}

function expectSeenAsDrawn(report: PageReport, png: Buffer, kinds: Set<string>): void {
  // Nothing is drawn outside the viewport, and the page does not scroll.
  expect({ W: report.W, H: report.H, outside: report.outside }).toEqual({ W: report.W, H: report.H, outside: [] });
  expect(report.innerW).toBe(report.W);
  expect(report.scrollW).toBeLessThanOrEqual(report.W);
  expect(report.scrollH).toBeLessThanOrEqual(report.H);
  // Each kind present has its colour, on its regions and in the legend.
  expect(new Set(report.regions.map((r) => r.kind))).toEqual(kinds);
  for (const r of report.regions) expect(r.fill, `${r.label}`).toBe(rgb(KIND_COLOURS[r.kind as keyof typeof KIND_COLOURS]));
  expect(report.legend.map((l) => l.kind).sort()).toEqual([...kinds].sort());
  for (const l of report.legend) expect(l.fill).toBe(rgb(KIND_COLOURS[l.kind as keyof typeof KIND_COLOURS]));
  // The PNG is the picture: right size, not blank, each kind's colour visible.
  const img = decodePng(png);
  expect([img.width, img.height]).toEqual([report.W, report.H]);
  const counts = colourCounts(img);
  const white = counts.get('#ffffff') ?? 0;
  expect(img.width * img.height - white).toBeGreaterThan(img.width * img.height * 0.1);
  expect(counts.size).toBeGreaterThan(kinds.size + 2);
  for (const k of kinds) expect(counts.get(KIND_COLOURS[k as keyof typeof KIND_COLOURS]) ?? 0, `pixels of ${k}`).toBeGreaterThan(100);
  // Every region can be seen: at least 14 px tall, as wide as the others.
  for (const r of report.regions) {
    expect(r.bar.height, r.label).toBeGreaterThanOrEqual(14);
    expect(r.bar.width).toBe(report.regions[0].bar.width);
  }
}

describe('mm-maps --svg in Chromium', () => {
  it('another process (-p): every mapping labelled with its path, size and permissions, gaps labelled, same bytes twice', async (ctx) => {
    if ('reason' in chromium) ctx.skip(chromium.reason);
    const first = await runBin(bin, ['-p', String(sleeper.pid), '--svg']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const again = await runBin(bin, ['-p', String(sleeper.pid), '--svg']);
    expect(again.stdout.equals(first.stdout)).toBe(true);

    const svg = first.stdout.toString();
    const maps = readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8');
    const lines = procLines(maps);
    const { report, png } = inChromium('sleeper', svg);
    expectSeenAsDrawn(report, png, kindsOf(maps, readlinkSync(`/proc/${sleeper.pid}/exe`)));

    expect(report.regions).toHaveLength(lines.length);
    lines.forEach((l, i) => {
      const r = report.regions[i];
      const name = l.name === '' ? '[anon]' : l.name;
      expect(r.label.startsWith(name), `${r.label} names ${name}`).toBe(true);
      expect(r.label).toContain(formatBytes(l.size));
      expect(r.label).toContain(l.perms);
      expect(r.addr).toBe(l.range.split('-')[0]);
      expect(r.size).toBe(l.size);
    });
    // Address order top to bottom.
    for (let i = 1; i < report.regions.length; i++) expect(report.regions[i].bar.top).toBeGreaterThan(report.regions[i - 1].bar.top);
    // Each hole between mappings is a labelled gap with its size.
    const holes: number[] = [];
    for (let i = 1; i < lines.length; i++) {
      const prevEnd = BigInt('0x' + lines[i - 1].range.split('-')[1]);
      const start = BigInt('0x' + lines[i].range.split('-')[0]);
      if (start > prevEnd) holes.push(Number(start - prevEnd));
    }
    expect(report.gaps.map((g) => g.bytes)).toEqual(holes);
    for (const g of report.gaps) expect(g.text).toContain(`${formatBytes(g.bytes)} unmapped`);
  });

  it('own view with FILEs and -x: a 4 KiB file next to a 1 GiB one, an shm object, FILEs outlined, resident share solid', async (ctx) => {
    if ('reason' in chromium) ctx.skip(chromium.reason);
    const poem = join(tmp.path, 'poem.txt');
    writeFileSync(poem, 'I just love\nsharing memories\nwith other processes\n');
    const big = join(tmp.path, 'big.bin');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 1 << 30); // sparse: mapping it costs nothing
    closeSync(fd);
    writeFileSync(`/dev/shm/${shmName}`, Buffer.alloc(8192, 1));
    const r = await runBin(bin, ['-x', '--svg', poem, big, `/dev/shm/${shmName}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { report, png } = inChromium('own', r.stdout.toString());
    const kinds = new Set(report.regions.map((x) => x.kind));
    for (const k of ['program', 'libraries', 'heap', 'stack', 'anonymous', 'file-backed', 'shared-memory', 'vdso/vvar']) expect(kinds.has(k), k).toBe(true);
    expectSeenAsDrawn(report, png, kinds);

    const files = report.regions.filter((x) => x.file);
    expect(files.map((x) => x.label.split(' · ')[0]).sort()).toEqual([poem, big, `/dev/shm/${shmName}`].sort());
    for (const f of files) {
      expect(f.outline).toBe(rgb(FILE_OUTLINE));
      expect(f.label).toContain('<- FILE');
    }
    expect(report.regions.filter((x) => x.outline !== null)).toHaveLength(3);
    expect(report.legendText).toContain('FILE');
    expect((colourCounts(decodePng(png)).get(FILE_OUTLINE) ?? 0)).toBeGreaterThan(100);
    // The 4 KiB poem and the 1 GiB file are both plain to see, the bigger one bigger.
    const small = files.find((x) => x.label.startsWith(poem))!;
    const large = files.find((x) => x.label.startsWith(big))!;
    expect(small.size).toBe(4096);
    expect(large.size).toBe(1 << 30);
    expect(small.bar.height).toBeGreaterThanOrEqual(14);
    expect(large.bar.height).toBeGreaterThan(small.bar.height * 3);
    expect(large.bar.height).toBeLessThan(small.bar.height * 8);
    // -x: bars are pale, the resident share solid; the shm object's 8 KiB were written, so some of it may be resident,
    // and the heap certainly is.
    for (const x of report.regions) expect(Number(x.opacity)).toBeCloseTo(0.3);
    const heap = report.regions.find((x) => x.label.startsWith('[heap]'))!;
    expect(heap.resident).toBeGreaterThan(0);
    expect(heap.resident!).toBeLessThanOrEqual(heap.bar.width);
    expect(large.resident).toBeNull(); // never read: nothing resident
    expect(report.legendText).toContain('resident (solid)');
  });

  it('--html is the same picture in a page, with hover details in the titles', async (ctx) => {
    if ('reason' in chromium) ctx.skip(chromium.reason);
    const r = await runBin(bin, ['-p', String(sleeper.pid), '--html']);
    expect(r.code).toBe(0);
    const html = r.stdout.toString();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const svg = (await runBin(bin, ['-p', String(sleeper.pid), '--svg'])).stdout.toString();
    expect(html).toContain(svg.replace(/^<\?xml[^>]*>\n/, '').trimEnd());
    expect(html.length - svg.length).toBeLessThan(1000);
    const { width, height } = size(svg);
    const dom = dumpDom((chromium as { bin: string }).bin, (() => {
      const f = join(tmp.path, 'page.html');
      writeFileSync(f, html);
      return f;
    })(), width, height);
    const titles = [...dom.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    const heapLine = procLines(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8')).find((l) => l.name === '[heap]')!;
    expect(titles.some((t) => t.startsWith(heapLine.range) && t.includes(`${heapLine.size} bytes`))).toBe(true);
  });
});

describe('mm-maps --svg with a filter', () => {
  it('draws only the kinds asked for; the gap that holds the others says how many are not shown', async () => {
    const r = await runBin(bin, ['-p', String(sleeper.pid), '--svg', '--kind', 'heap,stack']);
    expect(r.code).toBe(0);
    const svg = r.stdout.toString();
    const lines = procLines(readFileSync(`/proc/${sleeper.pid}/maps`, 'utf8'));
    const heap = lines.findIndex((l) => l.name === '[heap]');
    const stack = lines.findIndex((l) => l.name === '[stack]');
    const between = lines.slice(heap + 1, stack);
    expect(between.length).toBeGreaterThan(1);
    expect([...svg.matchAll(/<g class="region"/g)]).toHaveLength(2);
    const gaps = [...svg.matchAll(/<g class="gap"[^]*?<\/g>/g)].map((m) => m[0].replace(/<[^>]+>/g, ''));
    const total = between.reduce((n, l) => n + l.size, 0);
    expect(gaps).toEqual([`… ${formatBytes(Number(BigInt('0x' + lines[stack].range.split('-')[0]) - BigInt('0x' + lines[heap].range.split('-')[1])))}: ${between.length} mappings not shown (${formatBytes(total)}) …`]);
  });
});

describe('mm-maps --svg usage', () => {
  it('draws one process only and does not mix with listing options', async () => {
    for (const args of [['--svg', '-p', '1,2'], ['--svg', '--json'], ['--svg', '--html'], ['--html', '--raw'], ['--svg', '--who', 'x']]) {
      const r = await runBin(bin, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^mm-maps: --(svg|html)[^\n]*\nTry 'mm-maps --help' for more information.\n$/);
      expect(r.stdout.length).toBe(0);
    }
  });
});
