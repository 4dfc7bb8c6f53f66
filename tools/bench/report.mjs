#!/usr/bin/env node
// The bench report: one table for every row the suites recorded — ours, peer, ratio, goal,
// met — printed at the end of `npm run bench`, and docs/performance.md generated from saved
// runs:
//
//   npm run bench -- --json run.json [SUITE...]      measure, print the table, save the run
//   node tools/bench/report.mjs run.json [more.json …] [--out docs/performance.md]
//
// With several files, a later file's rows replace an earlier file's rows of the same suite,
// so suites measured in different sessions can be combined; each suite's row says when and
// on which machine it was measured. Rows come in two shapes (see harness.mjs): a pair
// { title, a: { label, median, cmd }, b: { … }, ratio, goal } and any other object, which is
// shown with its numeric fields.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What the machine is, for the report's header. */
export function machineInfo() {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: c[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()} ${arch()}`,
    load: loadavg().map((x) => x.toFixed(1)).join(' '),
  };
}

const num = (x) => typeof x === 'number' && Number.isFinite(x);

const repoRoot = join(here, '..', '..');
/** A command as a reader can run it: paths into this checkout relative to its root, `node` for Node. */
export function scrub(text) {
  return String(text)
    .split(repoRoot + '/').join('./')
    .split(process.execPath).join('node')
    .replace(/(^|[\s'"`(])\/[^\s'"`]*\/(node_modules\/\.bin\/)?node(?=\s)/g, '$1node');
}

function fmtValue(v, unit) {
  if (!num(v)) return '—';
  if (unit === 'KiB') return `${(v / 1024).toFixed(1)} MiB`;
  if (unit === 'ms') return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`;
  if (unit === '/s') return v >= 1e6 ? `${(v / 1e6).toFixed(1)} M/s` : `${v.toFixed(0)}/s`;
  return `${+v.toPrecision(4)}${unit ? ` ${unit}` : ''}`;
}

const fmtRatio = (r) => (num(r) ? (r < 0.1 ? r.toFixed(3) : r.toFixed(2)) : '—');

/** One report row from one recorded result. */
export function normalize(r) {
  const unit = r.unit ?? (r.a && typeof r.a === 'object' && 'cmd' in r.a ? 'ms' : r.title?.includes('/s') ? '/s' : 'ms');
  if (r.a && num(r.a.median)) {
    const ratio = num(r.ratio) ? r.ratio : r.b && num(r.b.median) && r.b.median ? r.a.median / r.b.median : undefined;
    const goalOf = r.goalOf ?? 'ratio';
    const better = r.higherIsBetter ? '≥' : '≤';
    let goal = '—';
    let met = '—';
    if (num(r.goal)) {
      const measured = goalOf === 'value' ? r.a.median : ratio;
      goal = goalOf === 'value' ? `${better} ${fmtValue(r.goal, unit)}` : `${better} ${r.goal}`;
      met = !num(measured) ? '—' : (r.higherIsBetter ? measured >= r.goal : measured <= r.goal) ? 'yes' : 'no';
    }
    // Name the pair unless the title already does; a single command needs no more than its title.
    const vs = r.b?.label && !/ vs /.test(r.title ?? '') ? `${r.a.label} vs ${r.b.label}` : '';
    return {
      suite: r.suite ?? '',
      title: r.title ?? r.label ?? '',
      vs,
      ours: fmtValue(r.a.median, unit),
      peer: r.b && num(r.b.median) ? fmtValue(r.b.median, unit) : r.skipped ? `skipped: ${r.skipped}` : '—',
      ratio: fmtRatio(ratio),
      goal,
      met,
      commands: [r.a.cmd, r.b?.cmd].filter(Boolean).map(scrub),
      when: r.when,
    };
  }
  // Any other shape: its numbers, as they are.
  const fields = Object.entries(r).filter(([k, v]) => num(v) && k !== 'when');
  const single = r.median ?? fields[0]?.[1];
  return {
    suite: r.suite ?? '',
    title: r.title ?? '',
    vs: r.label ?? fields.map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(', '),
    ours: num(single) ? fmtValue(single, unit) : '—',
    peer: '—',
    ratio: '—',
    goal: '—',
    met: '—',
    commands: [],
    when: r.when,
  };
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The summary table (markdown). */
export function table(rows) {
  const lines = ['| suite | measurement | ours | peer | ratio | goal | met |', '|---|---|---|---|---|---|---|'];
  for (const r of rows.map(normalize)) lines.push(`| ${cell(r.suite)} | ${cell(r.title)}${r.vs ? ` (${cell(r.vs)})` : ''} | ${cell(r.ours)} | ${cell(r.peer)} | ${r.ratio} | ${cell(r.goal)} | ${r.met} |`);
  return lines.join('\n');
}

/** Merges saved runs: a later run's rows replace earlier rows of the same suite. */
export function merge(runs) {
  const bySuite = new Map();
  for (const run of runs) {
    const fresh = new Map();
    for (const row of run.rows) {
      const s = row.suite ?? '';
      if (!fresh.has(s)) fresh.set(s, []);
      fresh.get(s).push({ ...row, when: run.meta });
    }
    for (const [s, rows] of fresh) bySuite.set(s, rows);
  }
  return [...bySuite.values()].flat();
}

function describeMachine(m) {
  return `${m.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.kernel}, Node ${m.node}, load average at the start ${m.load}${m.loadAfter ? `, at the end ${m.loadAfter}` : ''}`;
}

/** docs/performance.md from merged rows. */
export function performanceDoc(rows) {
  const runs = [...new Map(rows.map((r) => [r.when?.date, r.when])).values()].filter(Boolean);
  const out = [];
  out.push('# Performance');
  out.push('');
  out.push('<!-- Generated by tools/bench/report.mjs from saved `npm run bench` runs; edit tools/bench/notes.md, not this file. -->');
  out.push('');
  out.push('Measured with `npm run bench` (all suites) or `npm run bench -- NAME` (the suites whose file');
  out.push('name contains NAME). Each pair of commands — ours and a peer — runs interleaved in one');
  out.push('session (ours, peer, peer, ours, …), and the table gives the medians and their ratio; a ratio');
  out.push('below 1 means ours is faster. Goals are on the ratio unless they carry a unit. Benchmarks are');
  out.push('never assertions in tests.');
  out.push('');
  out.push(`The run${runs.length > 1 ? "s" : ""} this page comes from (machine, date, load average):`);
  out.push('');
  for (const m of runs) out.push(`- ${describeMachine(m)}: suites ${[...new Set(rows.filter((r) => r.when === m).map((r) => r.suite))].join(', ')}`);
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(table(rows));
  out.push('');
  out.push('## Commands');
  out.push('');
  out.push('Run in the bench\'s scratch directory, with every `mm-*` on `PATH`:');
  out.push('');
  for (const r of rows.map(normalize)) {
    if (!r.commands.length) continue;
    out.push(`- ${r.suite}, ${r.title}: ${r.commands.map((c) => `\`${c.replace(/`/g, "'")}\``).join(' vs ')}`);
  }
  out.push('');
  try {
    out.push(readFileSync(join(here, 'notes.md'), 'utf8').trimEnd());
    out.push('');
  } catch {
    // no notes
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outFile = outAt >= 0 ? args[outAt + 1] : null;
  const files = args.filter((a, i) => a !== '--out' && !(outAt >= 0 && i === outAt + 1));
  if (!files.length) {
    console.error('usage: node tools/bench/report.mjs RUN.json [RUN.json …] [--out docs/performance.md]');
    process.exit(2);
  }
  const rows = merge(files.map((f) => JSON.parse(readFileSync(f, 'utf8'))));
  const doc = performanceDoc(rows);
  if (outFile) writeFileSync(outFile, doc);
  else process.stdout.write(doc);
}
