#!/bin/sh
':' /*
c=; { true 9<&0; } 2>/dev/null || c=0; { true 9>&1; } 2>/dev/null || c=$c,1
[ "${NODE_EXTRA_CA_CERTS+1}" ] && { MM_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export MM_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }
MM_CLOSED_STDIO=${c:-none} exec node --v8-pool-size=1 "$0" "$@"
*/;
// The mm-cat command: the bundled tool in ../dist/mm-cat.cjs (made by `npm run build`).
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
  run = withCodeCache(`${__dirname.slice(0, __dirname.lastIndexOf('/'))}/dist/mm-cat.cjs`);
} catch {}
try {
  if (run) run();
  else require('../dist/mm-cat.cjs');
} catch (e) {
  if (process.env.MM_DEBUG === '1') throw e;
  const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('mm-cat.cjs');
  process.stderr.write(`mm-cat: ${missing ? 'not built yet: run `npm run build` in the repository' : String(e && e.message).split('\n')[0]}\n`);
  process.exitCode = 1;
}

/** Compiles the bundle with V8's code cache; returns the function that runs it. */
function withCodeCache(file) {
  const fs = require('node:fs');
  const text = fs.readFileSync(file, 'utf8');
  // The bundle's build: its second line, `// mm-build HASH`; a bundle made otherwise is
  // known by its size, time and inode.
  const line2 = text.indexOf('\n') + 1;
  const build = text.startsWith('// mm-build ', line2)
    ? text.slice(line2 + 12, text.indexOf('\n', line2))
    : (({ size, mtimeMs, ino }) => `${size}-${Math.floor(mtimeMs)}-${ino}`)(fs.statSync(file));
  const name = `mm-cat-${process.version}-${process.arch}-${build}`;
  const beside = `${file.slice(0, file.lastIndexOf('/'))}/.${name}.cache`;
  // The private directory under TMPDIR, when the package may not be written: undefined unless
  // it is a directory only this user may write.
  const privateDir = (make) => {
    const uid = process.getuid();
    // os.tmpdir(), without loading node:os (not in Node's start-up snapshot)
    let tmp = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
    if (tmp.length > 1 && tmp.endsWith('/')) tmp = tmp.slice(0, -1);
    const dir = `${tmp}/mm-code-cache-${uid}`;
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
      if (dir) cachedData = fs.readFileSync(`${dir}/${name}`);
    } catch {}
  }
  // The wrapper require() puts around a CommonJS file.
  const source = `(function (exports, require, module, __filename, __dirname) { ${text.replace(/^#!.*/, '')}\n});`;
  const script = new (require('node:vm').Script)(source, { filename: file, cachedData });
  const fn = script.runInThisContext();
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const data = script.createCachedData();
      const save = (path) => {
        const part = `${path}.${process.pid}`;
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
        if (dir) save(`${dir}/${name}`);
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
