// Turns a tool's docs page (docs/TOOL.md) into its man page (man/TOOL.1) with remark-man,
// the unified collective's markdown-to-roff compiler; remark-gfm adds the tables.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMan from 'remark-man';

/** The roff source of NAME(1) from markdown `md`; the page's first heading becomes NAME. */
export async function manPage(md, { name, description, version }) {
  // SOURCE_DATE_EPOCH (seconds) makes the date, and so the page, reproducible.
  const date = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date();
  const body = md.replace(/^# .*\n/, `# ${name}(1) -- ${description}\n`);
  const file = await unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkMan, { name, section: 1, description, version, manual: 'mm manual', date })
    .process(body);
  return String(file);
}

/** Writes PKG-DIR/man/NAME.1 from ROOT/docs/NAME.md; returns its path. */
export async function writeManPage(root, pkgDir, pkg) {
  const md = readFileSync(join(root, 'docs', `${pkg.name}.md`), 'utf8');
  const out = join(pkgDir, 'man', `${pkg.name}.1`);
  mkdirSync(join(pkgDir, 'man'), { recursive: true });
  writeFileSync(out, await manPage(md, pkg));
  return out;
}
