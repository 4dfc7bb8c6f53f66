// The committed bin of every tool (packages/TOOL/bin/TOOL.cjs), written from one template.
//   node tools/bundle/bin-shim.mjs     rewrites them all (after changing the template)
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed bin of tool NAME. It exists before anything is built, so `npm ci` in a clone
 * links it into node_modules/.bin; it keeps V8's compiled code of the bundle between runs
 * (so later starts skip most of parsing and compiling it), then runs the bundle.
 *
 * On every Node version the bin compiles the bundle itself with `vm.Script` and a V8 code
 * cache of its own, written at exit, once, by the run that found none, so it holds every
 * function that run compiled (Node's own compile cache, 22.1+, is made right after the
 * compile and holds only what V8 compiled eagerly: commander's methods and the command's code
 * were compiled again at every start, 1.5–3.5 ms more per run on Node 22, 24 and 26). The
 * cache is named after the Node version, the architecture and the bundle's build (the hash
 * `package-tool.mjs` writes on the bundle's second line), and kept:
 *  - beside the bundle, in `dist/.TOOL-VERSION-ARCH-BUILD.cache`, when the package may be
 *    written: whoever can write there can change the bundle itself, so the cache is trusted as
 *    the bundle is, and a run that finds it asks nothing else of the file system;
 *  - else in `mm-code-cache-UID` under the temporary directory, only if that is a directory
 *    only this user may write (0700, owned by the user, not a symbolic link), as another user
 *    could plant code there.
 * A cache made for another Node version or another build has another name; one V8 rejects is
 * made again. Any failure to use it only costs the compile: the bundle is then loaded with
 * `require`.
 *
 * It is a file that sh and Node.js both read. Run as a command, /bin/sh runs its first lines:
 * they note which of stdin and stdout were closed (`mm-cat f >&-`) in MM_CLOSED_STDIO and
 * exec Node on the same file, where those lines are a string and a comment. Node.js itself
 * cannot tell: it puts a read-write /dev/null on a closed standard descriptor before any
 * JavaScript runs, which looks just like a spawner's /dev/null (stdio 'ignore', Python's
 * DEVNULL). Run as `node FILE`, the sh lines are skipped and the tool falls back on that look.
 * The sh lines also hide NODE_EXTRA_CA_CERTS from Node.js (in MM_EXTRA_CA_CERTS, put back
 * before the tool runs): Node 20 reads and parses those certificates before any JavaScript,
 * which doubled its start-up here, and no tool makes a TLS connection. And they start Node with
 * one V8 worker thread (`--v8-pool-size=1`) instead of four: Node starts the pool before any
 * JavaScript, a tool's run is short and single-threaded, and starting threads is dear on a
 * small VM.
 */
export function binShim(name) {
  return `#!/bin/sh
':' /*
c=; { true 9<&0; } 2>/dev/null || c=0; { true 9>&1; } 2>/dev/null || c=$c,1
[ "\${NODE_EXTRA_CA_CERTS+1}" ] && { MM_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export MM_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }
MM_CLOSED_STDIO=\${c:-none} exec node --v8-pool-size=1 "$0" "$@"
*/;
// The ${name} command: the bundled tool in ../dist/${name}.cjs (made by \`npm run build\`).
'use strict';
const env = process.env;
// No tool speaks TLS, so the sh lines keep NODE_EXTRA_CA_CERTS from Node.js, which on Node 20
// reads and parses those certificates as it starts (tens of milliseconds); put back here for
// child processes.
if (env.MM_EXTRA_CA_CERTS !== undefined) {
  env.NODE_EXTRA_CA_CERTS = env.MM_EXTRA_CA_CERTS;
  delete env.MM_EXTRA_CA_CERTS;
}
// When the tool is done (nothing left for the event loop), leave through process.exit(): the
// 'exit' listeners run as ever, but Node skips tearing down the heap and the environment
// (0.25 ms of a 20 ms start). Only when no other 'beforeExit' listener may still add work.
process.on('beforeExit', () => {
  if (process.listenerCount('beforeExit') === 1) process.exit();
});
let run;
try {
  run = withCodeCache(\`\${__dirname.slice(0, __dirname.lastIndexOf('/'))}/dist/${name}.cjs\`);
} catch {}
try {
  if (run) run();
  else require('../dist/${name}.cjs');
} catch (e) {
  if (process.env.MM_DEBUG === '1') throw e;
  const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('${name}.cjs');
  process.stderr.write(\`${name}: \${missing ? 'not built yet: run \`npm run build\` in the repository' : String(e && e.message).split('\\n')[0]}\\n\`);
  process.exitCode = 1;
}

/** Compiles the bundle with V8's code cache; returns the function that runs it. */
function withCodeCache(file) {
  const fs = require('node:fs');
  const text = fs.readFileSync(file, 'utf8');
  // The bundle's build: its second line, \`// mm-build HASH\`; a bundle made otherwise is
  // known by its size, time and inode.
  const line2 = text.indexOf('\\n') + 1;
  const build = text.startsWith('// mm-build ', line2)
    ? text.slice(line2 + 12, text.indexOf('\\n', line2))
    : (({ size, mtimeMs, ino }) => \`\${size}-\${Math.floor(mtimeMs)}-\${ino}\`)(fs.statSync(file));
  const name = \`${name}-\${process.version}-\${process.arch}-\${build}\`;
  const beside = \`\${file.slice(0, file.lastIndexOf('/'))}/.\${name}.cache\`;
  // The private directory under TMPDIR, when the package may not be written: undefined unless
  // it is a directory only this user may write.
  const privateDir = (make) => {
    const uid = process.getuid();
    // os.tmpdir(), without loading node:os (not in Node's start-up snapshot)
    let tmp = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
    if (tmp.length > 1 && tmp.endsWith('/')) tmp = tmp.slice(0, -1);
    const dir = \`\${tmp}/mm-code-cache-\${uid}\`;
    if (make) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  };
  let cachedData;
  try {
    cachedData = fs.readFileSync(beside);
  } catch {
    try {
      const dir = privateDir(false);
      if (dir) cachedData = fs.readFileSync(\`\${dir}/\${name}\`);
    } catch {}
  }
  // The wrapper require() puts around a CommonJS file.
  const source = \`(function (exports, require, module, __filename, __dirname) { \${text.replace(/^#!.*/, '')}\\n});\`;
  const script = new (require('node:vm').Script)(source, { filename: file, cachedData });
  const fn = script.runInThisContext();
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const data = script.createCachedData();
      const save = (path) => {
        const part = \`\${path}.\${process.pid}\`;
        try {
          fs.writeFileSync(part, data, { mode: 0o644 });
          fs.renameSync(part, path);
          return true;
        } catch {
          try {
            fs.unlinkSync(part);
          } catch {}
          return false;
        }
      };
      if (save(beside)) return;
      try {
        const dir = privateDir(true);
        if (dir) save(\`\${dir}/\${name}\`);
      } catch {}
    });
  }
  // The bundle requires built-in modules only (and core's addon loader absolute paths), so the
  // bin's own require() serves it as well as one made for dist/ would.
  return () => {
    const mod = { id: file, filename: file, exports: {}, loaded: false };
    fn.call(mod.exports, mod.exports, require, mod, file, file.slice(0, file.lastIndexOf('/')));
  };
}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const packages = fileURLToPath(new URL('../../packages', import.meta.url));
  for (const tool of readdirSync(packages).filter((d) => d.startsWith('mm-'))) {
    mkdirSync(join(packages, tool, 'bin'), { recursive: true });
    writeFileSync(join(packages, tool, 'bin', `${tool}.cjs`), binShim(tool), { mode: 0o755 });
  }
}
