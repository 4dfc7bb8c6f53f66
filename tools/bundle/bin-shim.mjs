// The committed bin of every tool (packages/TOOL/bin/TOOL.cjs), written from one template.
//   node tools/bundle/bin-shim.mjs     rewrites them all (after changing the template)
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed bin of tool NAME. It exists before anything is built, so `npm ci` in a clone
 * links it into node_modules/.bin; it turns on V8's compile cache where Node has it (22.1+,
 * so later starts skip parsing and compiling the bundle), then runs the bundle.
 *
 * It is a file that sh and Node.js both read. Run as a command, /bin/sh runs its first lines:
 * they note which of stdin and stdout were closed (`mm-cat f >&-`) in MM_CLOSED_STDIO and
 * exec Node on the same file, where those lines are a string and a comment. Node.js itself
 * cannot tell: it puts a read-write /dev/null on a closed standard descriptor before any
 * JavaScript runs, which looks just like a spawner's /dev/null (stdio 'ignore', Python's
 * DEVNULL). Run as `node FILE`, the sh lines are skipped and the tool falls back on that look.
 */
export function binShim(name) {
  return `#!/bin/sh
':' /*
c=; { true 9<&0; } 2>/dev/null || c=0; { true 9>&1; } 2>/dev/null || c=$c,1
MM_CLOSED_STDIO=\${c:-none} exec node "$0" "$@"
*/;
// The ${name} command: the bundled tool in ../dist/${name}.cjs (made by \`npm run build\`).
'use strict';
const m = require('node:module');
if (typeof m.enableCompileCache === 'function') {
  try {
    m.enableCompileCache();
  } catch {}
}
try {
  require('../dist/${name}.cjs');
} catch (e) {
  if (process.env.MM_DEBUG === '1') throw e;
  const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('${name}.cjs');
  process.stderr.write(\`${name}: \${missing ? 'not built yet: run \`npm run build\` in the repository' : String(e && e.message).split('\\n')[0]}\\n\`);
  process.exitCode = 1;
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
