#!/bin/sh
':' /*
c=; { true 9<&0; } 2>/dev/null || c=0; { true 9>&1; } 2>/dev/null || c=$c,1
MM_CLOSED_STDIO=${c:-none} exec node "$0" "$@"
*/;
// The mm-tug command: the bundled tool in ../dist/mm-tug.cjs (made by `npm run build`).
'use strict';
const m = require('node:module');
if (typeof m.enableCompileCache === 'function') {
  try {
    m.enableCompileCache();
  } catch {}
}
try {
  require('../dist/mm-tug.cjs');
} catch (e) {
  if (process.env.MM_DEBUG === '1') throw e;
  const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('mm-tug.cjs');
  process.stderr.write(`mm-tug: ${missing ? 'not built yet: run `npm run build` in the repository' : String(e && e.message).split('\n')[0]}\n`);
  process.exitCode = 1;
}
