/**
 * Schemas written back out: the C spelling of a kind, the compact form, the C declaration,
 * and the laid-out struct as `schema` prints it (like pahole, or one JSON object per field).
 */
import type { Kind, SchemaSpec } from './types.js';
import type { Layout } from '../layout.js';

/** The C spelling of a field's type, as `schema` prints it. */
export function cTypeName(kind: Kind): string {
  switch (kind) {
    case 'char': return 'char';
    case 'bool': return 'bool';
    case 'f32': return 'float';
    case 'f64': return 'double';
    default: return `${kind[0] === 'u' ? 'uint' : 'int'}${kind.slice(1)}_t`;
  }
}

/** The compact spelling of a schema (`id:u32,name:char[32],age:u32`). */
export function formatCompactSchema(spec: SchemaSpec): string {
  return spec.fields.map((f) => `${f.name}:${f.kind}${f.count !== undefined ? `[${f.count}]` : ''}`).join(',');
}

/** The C declaration of a schema, with `__attribute__((packed))` when packed. */
export function formatCStruct(spec: SchemaSpec): string {
  const body = spec.fields.map((f) => `  ${cTypeName(f.kind)} ${f.name}${f.count !== undefined ? `[${f.count}]` : ''};`).join('\n');
  return `struct ${spec.name} {\n${body}\n}${spec.packed ? ' __attribute__((packed))' : ''};\n`;
}

/** `schema`: the layout with offsets, sizes, holes and padding, like pahole. */
export function describeSchema(layout: Layout): string {
  const lines = [`struct ${layout.name} {`];
  let sum = 0;
  let holes = 0;
  for (const f of layout.fields) {
    if (f.padBefore) {
      holes++;
      lines.push('', `\t/* XXX ${f.padBefore} byte${f.padBefore === 1 ? '' : 's'} hole, try to pack */`, '');
    }
    sum += f.size;
    const decl = `\t${cTypeName(f.kind).padEnd(26)} ${`${f.name}${f.count !== undefined ? `[${f.count}]` : ''};`.padEnd(21)}`;
    lines.push(`${decl} /* ${String(f.offset).padStart(5)} ${String(f.size).padStart(5)} */`);
  }
  lines.push('');
  lines.push(`\t/* size: ${layout.size}, cachelines: ${Math.ceil(layout.size / 64)}, members: ${layout.fields.length} */`);
  if (holes) lines.push(`\t/* sum members: ${sum}, holes: ${holes}, sum holes: ${layout.holeBytes} */`);
  if (layout.tailPadding) lines.push(`\t/* padding: ${layout.tailPadding} */`);
  if (layout.size % 64) lines.push(`\t/* last cacheline: ${layout.size % 64} bytes */`);
  lines.push(`}${layout.packed ? ' __attribute__((__packed__))' : ''};`);
  return lines.join('\n') + '\n';
}

/** `schema --json`: one JSON object per field (name, type, offset, size, align), then one for the struct. */
export function describeSchemaJson(layout: Layout): string {
  const lines = layout.fields.map((f) =>
    JSON.stringify({ field: f.name, type: f.count !== undefined ? `${f.kind}[${f.count}]` : f.kind, ctype: cTypeName(f.kind), offset: f.offset, size: f.size, align: f.align, hole_before: f.padBefore }),
  );
  lines.push(JSON.stringify({ struct: layout.name, size: layout.size, align: layout.align, packed: layout.packed, holes: layout.holeBytes, padding: layout.tailPadding }));
  return lines.join('\n') + '\n';
}
