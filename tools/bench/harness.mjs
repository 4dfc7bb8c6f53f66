// The bench harness behind `npm run bench`: times whole shell commands over repeated runs
// (median, min, max) and pairs two commands to print their ratio. A pair is timed
// interleaved (ours, peer, ours, peer, …) with the harness's own timer, so a busy neighbour
// weighs on both alike; single commands use hyperfine when it is installed. Every pair and
// measurement becomes a row of the final report (see report.mjs). Benchmarks print; they
// never pass or fail on a time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { writeLaunchers } from '@mm/testkit/launchers';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Commands' output goes to a write-only /dev/null (a read-write one is how a closed stdout
// looks to the tools, which then fail with "Bad file descriptor").
const devNull = openSync('/dev/null', 'w');

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `once(a)` and `once(b)` alternately, `runs` times each after `warmup` rounds of both,
 * and returns the two lists of times. Which goes first alternates, so neither always runs
 * right after the other's writes, and a busy neighbour slows both alike.
 */
export function alternate(a, b, once, { runs, warmup = 1 }) {
  for (let i = 0; i < warmup; i++) {
    once(a);
    once(b);
  }
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      tb.push(once(b));
      ta.push(once(a));
    } else {
      ta.push(once(a));
      tb.push(once(b));
    }
  }
  return [ta, tb];
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function createBench({ useHyperfine = hasCommand('hyperfine') } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-'));
  // The tools as an installed one runs: each committed bin (sh lines, code cache, bundle).
  const binDir = writeLaunchers(join(dir, '.bin'), { bundled: true });
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, NO_COLOR: '1' };
  // Node 20 reads and parses NODE_EXTRA_CA_CERTS' certificates before any JavaScript (it doubled
  // `node -e 0` on the bench machine). The tools' bins keep it from Node; the peers (`node -e 0`,
  // Node scripts) are measured without it too, so no ratio is flattered or burdened by it.
  delete env.NODE_EXTRA_CA_CERTS;
  const results = [];
  let suite = '';

  const sh = (cmd, opts = {}) => {
    const r = spawnSync('bash', ['-c', cmd], { cwd: dir, env, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : ['ignore', devNull, 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0 && !opts.allowFail) throw new Error(`bench command failed (exit ${r.status}): ${cmd}`);
    return r.stdout ?? '';
  };

  function measure(cmd, { runs = 10, warmup = 1, prepare } = {}) {
    if (useHyperfine) {
      const out = join(dir, 'hf.json');
      const args = ['-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', out];
      if (prepare) args.push('--prepare', prepare);
      // -N (no intermediate shell) only when the command has no shell syntax.
      if (/[|&;<>()$`*?'"\\]/.test(cmd)) args.splice(0, 1);
      const r = spawnSync('hyperfine', [...args, cmd], { cwd: dir, env, stdio: ['ignore', devNull, 'inherit'] });
      if (r.status !== 0) throw new Error(`hyperfine failed for: ${cmd}`);
      const times = JSON.parse(readFileSync(out, 'utf8')).results[0].times.map((s) => s * 1000);
      return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs: times.length };
    }
    for (let i = 0; i < warmup; i++) sh(cmd);
    const times = [];
    for (let i = 0; i < runs; i++) {
      if (prepare) sh(prepare);
      const t0 = process.hrtime.bigint();
      sh(cmd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs };
  }

  /** Times `a` and `b` alternately, `runs` times each after `warmup` rounds of both. */
  function measurePair(a, b, { runs = 10, warmup = 1, prepare } = {}) {
    const once = (cmd) => {
      if (prepare) sh(prepare);
      const t0 = process.hrtime.bigint();
      sh(cmd);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const [ta, tb] = alternate(a, b, once, { runs, warmup });
    const stat = (times) => ({ median: median(times), min: Math.min(...times), max: Math.max(...times), runs: times.length });
    return [stat(ta), stat(tb)];
  }

  const fmt = (m) => `median ${m.median.toFixed(1)} ms (min ${m.min.toFixed(1)}, max ${m.max.toFixed(1)}, n=${m.runs})`;

  return {
    /** Scratch directory (cwd of every command); removed by close(). */
    dir,
    /** Shell environment with every mm-* bin on PATH. */
    env,
    /** Runs a shell command in the scratch dir (for set-up); returns its stdout when capture is set. */
    sh,
    section(title) {
      suite ||= title.split(' ')[0];
      console.log(`\n## ${title}`);
    },
    /** Names the suite that the following rows belong to (run.mjs sets it from the file name). */
    setSuite(name) {
      suite = name;
    },
    /** Times one command. */
    time(label, cmd, opts) {
      const m = measure(cmd, opts);
      console.log(`${label}: ${fmt(m)}\n  $ ${cmd}`);
      results.push({ suite, title: label, a: { label: label.split(':')[0], cmd, ...m }, unit: 'ms' });
      return m;
    },
    /**
     * Times two commands interleaved and prints median(a)/median(b). `a` is ours, `b` the
     * peer; a ratio below 1.0 means ours is faster. `goal` is the highest ratio that meets
     * the goal (0.33: ours at least 3× faster).
     */
    compare(title, a, b, opts = {}) {
      const [ma, mb] = measurePair(a.cmd, b.cmd, opts);
      const ratio = ma.median / mb.median;
      console.log(`${title}\n  ${a.label}: ${fmt(ma)}\n    $ ${a.cmd}\n  ${b.label}: ${fmt(mb)}\n    $ ${b.cmd}\n  ratio ${a.label}/${b.label} = ${ratio.toFixed(2)}${opts.goal ? ` (goal ≤ ${opts.goal})` : ''}`);
      results.push({ suite, title, a: { ...a, ...ma }, b: { ...b, ...mb }, ratio, goal: opts.goal, unit: 'ms' });
      return { a: ma, b: mb, ratio };
    },
    /**
     * A row that is not a pair of timings (peak RSS, a rate): ours and, if any, the peer, in
     * `unit`; `goal` is the highest value of ours that meets it (`goalOf: 'value'`), or the
     * highest ratio (`goalOf: 'ratio'`, the default when there is a peer).
     */
    record(title, { ours, peer, unit, goal, goalOf, cmd, higherIsBetter }) {
      const ratio = peer && peer.value ? ours.value / peer.value : undefined;
      results.push({ suite, title, a: { label: ours.label, median: ours.value, cmd: ours.cmd ?? cmd }, b: peer ? { label: peer.label, median: peer.value, cmd: peer.cmd } : undefined, ratio, goal, goalOf: goalOf ?? (peer ? 'ratio' : 'value'), unit, higherIsBetter });
    },
    /** Peak resident set size (KiB) of the largest process a shell command runs (GNU time, else getrusage). */
    peakRssKiB(cmd) {
      if (hasCommand('/usr/bin/time')) {
        const t = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', cmd], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', devNull, 'pipe'] });
        if (t.status !== 0) throw new Error(`peak RSS measurement failed for: ${cmd}`);
        return Number(t.stderr.trim().split('\n').pop());
      }
      // Fallback: getrusage of python's children (includes the forked child's pre-exec size).
      const py = 'import resource, subprocess, sys\nsubprocess.run(["bash", "-c", sys.argv[1]], check=True)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
      const r = spawnSync('python3', ['-c', py, cmd], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) throw new Error(`peak RSS measurement failed for: ${cmd}`);
      return Number(r.stdout.trim().split('\n').pop());
    },
    /** Everything measured so far. */
    results,
    usingHyperfine: useHyperfine,
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
