/**
 * Looking fields up by name, with the one message every command, the library and import
 * give for a name the schema does not have.
 */
import type { Layout } from './layout.js';

/** `unknown field 'x' (fields: id, name, age)`; `where` goes after the name (` in the header`). */
export function unknownField(layout: Pick<Layout, 'fields'>, name: string, where = ''): string {
  return `unknown field '${name}'${where} (fields: ${layout.fields.map((f) => f.name).join(', ')})`;
}
