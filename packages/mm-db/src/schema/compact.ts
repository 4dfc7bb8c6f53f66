/**
 * The compact schema form: `id:u32,name:char[32],age:u32`.
 */
import { arrayLength, checkFields, IDENT, KINDS, SchemaError, type FieldSpec, type Kind, type SchemaSpec } from './types.js';

/**
 * Parses the compact form: `name:type` pairs separated by commas, where type is one of
 * i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 bool char, optionally followed by `[N]`
 * (`char[32]` is text of up to 32 bytes; `u16[4]` an array of four numbers).
 * Errors say the column (1-based) and the token.
 */
export function parseCompactSchema(text: string, options: { name?: string; packed?: boolean } = {}): SchemaSpec {
  const fields: FieldSpec[] = [];
  const columns: number[] = [];
  if (!text.trim()) throw new SchemaError('--schema: empty schema (expected name:type,… e.g. id:u32,name:char[32],age:u32)');
  let pos = 0;
  for (const part of text.split(',')) {
    const col = pos + 1 + (part.length - part.trimStart().length);
    const at = (offset: number, token: string) => `--schema: column ${col + offset} ('${token}')`;
    pos += part.length + 1;
    const item = part.trim();
    if (!item) throw new SchemaError(`--schema: column ${col}: empty field (two commas in a row, or a trailing comma)`);
    const m = /^([^:\s]*)\s*:\s*(.*)$/.exec(item);
    if (!m) throw new SchemaError(`${at(0, item)}: expected name:type`);
    const [, name, rawType] = m;
    if (!IDENT.test(name)) throw new SchemaError(`${at(0, name)}: a field name is a C identifier (letters, digits, _; not starting with a digit)`);
    const typeCol = item.indexOf(rawType, name.length);
    const t = /^([a-z0-9]+)\s*(?:\[\s*([^\]]*?)\s*\])?$/.exec(rawType);
    const kind = t?.[1] as Kind | undefined;
    if (!t || !kind || !KINDS.includes(kind)) {
      const token = (/^[^[\s]*/.exec(rawType)?.[0] || rawType) ?? '';
      throw new SchemaError(`${at(typeCol, token)}: unknown type (expected ${KINDS.join(', ')}, each optionally followed by [N])`);
    }
    const field: FieldSpec = { name, kind };
    if (t[2] !== undefined) {
      const bracketCol = typeCol + rawType.indexOf('[') + 1;
      field.count = arrayLength(t[2], () => `--schema: column ${col + bracketCol} ('${t[2]}')`);
    }
    fields.push(field);
    columns.push(col);
  }
  checkFields(fields, (i) => `--schema: column ${columns[i]} ('${fields[i].name}')`);
  return { name: options.name ?? 'record', fields, packed: !!options.packed };
}
