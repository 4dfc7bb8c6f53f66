// Bundles one tool's compiled CLI (dist/cli.js, from tsc) with everything it imports —
// @mm/core's JavaScript, commander, node-gyp-build, the tool's package.json — into one
// CommonJS file, dist/TOOL.cjs, so the published package has no runtime dependency for npm
// to resolve. The native addon stays a file: core finds it relative to the running module
// (the bundle), in the tool's own prebuilds/ (see package-tool.mjs).
//
// Why CommonJS: an ES module entry starts Node's ESM loader, which cost more than the rest of
// the start-up on the measuring machine (docs/performance.md). Why esbuild: rolldown made a
// bundle that started as fast (paired runs, within noise), esbuild needs less configuration.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * `createRequire(import.meta.url)` hides a require() from a bundler. Core and the tools use two
 * forms of it; both become a plain `require(…)`, which esbuild resolves and inlines. Any other
 * use is a build error, so a new form cannot slip through and fail at run time.
 */
export function exposeRequires(code, file) {
  const out = code
    .replace(/^const require = createRequire\(import\.meta\.url\);$/gm, '')
    .replace(/\bcreateRequire\(import\.meta\.url\)\(/g, 'require(');
  if (/createRequire\(import\.meta\.url\)/.test(out)) {
    throw new Error(`${file}: a createRequire(import.meta.url) the bundler cannot see through; use require('x') or import`);
  }
  return out;
}

/** One of our compiled modules as the bundler should see it, in the bundle `bundleName`. */
export function prepare(code, file, bundleName) {
  return exposeRequires(code, file)
    // A CommonJS file has no top-level await. Every tool's cli.js ends with `await runCli(…)`,
    // whose promise never rejects (runCli reports every error and sets the exit code), so not
    // awaiting it changes nothing the process does. Any other top-level await fails the build.
    .replace(/^await runCli\(/m, 'void runCli(')
    // A module that runs its own tool again (mm-tug's demo spawns its players) names the CLI
    // next to it; in the bundle, the CLI is the bundle itself.
    .replace(/new URL\((['"])\.\/cli\.js\1, import\.meta\.url\)/g, `new URL('./${bundleName}', import.meta.url)`)
    // A module's own path, which core needs at load to find the addon: in the bundle, the
    // bundle's path, known without making a URL and parsing it back (node:url at every start).
    .replace(/\bfileURLToPath\(import\.meta\.url\)/g, '__filename');
}

/**
 * Built-in modules that are not in Node's start-up snapshot, cost milliseconds to load
 * (`child_process` pulls in net, dgram and streams: 37 more internal modules) and are needed
 * only by some runs (commander requires child_process at load for external subcommands, which
 * no tool has; `tty` loads net and streams too, and mm-counter asks it only when it counts,
 * not for `--get`; `os` only names errnos and signals; `timers/promises` is mm-shm's sleep
 * while it waits, which `ls` never does). In the bundle each becomes an object whose
 * properties load the real module on first use, so a run that never spawns, prompts, draws
 * or waits never pays for it.
 */
export const lazyBuiltins = ['child_process', 'readline', 'tty', 'os', 'timers/promises'];

/** The source of the stand-in for built-in module `name`: property getters over the real one. */
export function lazyBuiltinSource(name) {
  const keys = Object.keys(createRequire(import.meta.url)(`node:${name}`));
  return [
    `let real; const load = () => real ??= require('node:${name}');`,
    'module.exports = Object.defineProperties({}, {',
    ...keys.map((k) => `  ${JSON.stringify(k)}: { enumerable: true, get: () => load()[${JSON.stringify(k)}] },`),
    '});',
  ].join('\n');
}

/**
 * How the bundle loads core's addon. Core calls `require('node-gyp-build')(packageRoot)`; in
 * the bundle, packageRoot is the tool's own package, which ships exactly one prebuild. This
 * stand-in requires that file by its path (one open and dlopen), and only when it is missing
 * or does not load hands over to node-gyp-build itself (bundled) and its search of build/,
 * prebuilds/ and the tags, which costs a few milliseconds of synchronous probing (reading
 * package.json, four readdirs, a stat of /etc/alpine-release) at every start.
 */
export const addonLoaderSource = `
const { join } = require('node:path');
module.exports = function load(dir) {
  try {
    // process.dlopen is what require() does for a .node file, without resolving the path
    // against the module system first.
    const addon = { exports: {} };
    process.dlopen(addon, join(dir, 'prebuilds', process.platform + '-' + process.arch, '@mm+core.node'));
    return addon.exports;
  } catch {
    return require('node-gyp-build/node-gyp-build.js')(dir);
  }
};
`;

/**
 * What `import.meta.url` meant in each module: in the bundle, the bundle's own URL, made when
 * first asked for (few runs need it).
 */
const banner = "'use strict';\nconst __mmModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };";

/** Writes PKG-DIR/dist/NAME.cjs; returns its path. */
export async function bundle(pkgDir) {
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bundleName = `${pkg.name}.cjs`;
  const outfile = join(pkgDir, 'dist', bundleName);
  const lazy = new RegExp(`^(node:)?(${lazyBuiltins.join('|')})$`);
  await esbuild.build({
    entryPoints: [join(pkgDir, 'dist', 'cli.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    banner: { js: banner },
    define: { 'import.meta.url': '__mmModule.url' },
    logLevel: 'warning',
    // node-gyp-build hands `require` around as a value to load the addon; that is what we want.
    logOverride: { 'indirect-require': 'silent' },
    legalComments: 'none',
    // Comments and whitespace out (commander's source is two-thirds JSDoc): less to parse at
    // every start. Names stay, so an MM_DEBUG=1 stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [{
      name: 'mm',
      setup(build) {
        build.onResolve({ filter: lazy }, (args) => (args.namespace === 'lazy-builtin'
          ? { path: args.path, external: true }
          : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
        build.onResolve({ filter: /^node-gyp-build$/ }, () => ({ path: 'node-gyp-build', namespace: 'addon-loader' }));
        // `require('node:process')` (commander's) is the global process object, but loads and
        // compiles a built-in module of its own, which Node's start-up snapshot does not hold.
        build.onResolve({ filter: /^(node:)?process$/ }, () => ({ path: 'process', namespace: 'global-process' }));
        build.onLoad({ filter: /.*/, namespace: 'global-process' }, () => ({ contents: 'module.exports = process;', loader: 'js' }));
        build.onLoad({ filter: /.*/, namespace: 'addon-loader' }, () => ({ contents: addonLoaderSource, loader: 'js', resolveDir: pkgDir }));
        build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: lazyBuiltinSource(args.path), loader: 'js' }));
        build.onLoad({ filter: /\/packages\/[^/]+\/dist\/.*\.js$/ }, (args) => ({ contents: prepare(readFileSync(args.path, 'utf8'), args.path, bundleName), loader: 'js' }));
      },
    }],
  });
  markBuild(outfile);
  return outfile;
}

/**
 * Writes the bundle's build on its second line, `// mm-build HASH` (a hash of its contents),
 * which names the bins' V8 code cache for it, and removes the caches of earlier builds kept
 * beside it (see bin-shim.mjs).
 */
export function markBuild(outfile) {
  const code = readFileSync(outfile, 'utf8');
  if (!code.startsWith('#!')) throw new Error(`${outfile}: a tool's bundle starts with its #! line`);
  const nl = code.indexOf('\n') + 1;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  writeFileSync(outfile, `${code.slice(0, nl)}// mm-build ${hash}\n${code.slice(nl)}`);
  const dir = dirname(outfile);
  const tool = basename(outfile, '.cjs');
  for (const f of readdirSync(dir)) if (f.startsWith(`.${tool}-`) && f.endsWith('.cache')) rmSync(join(dir, f), { force: true });
}
