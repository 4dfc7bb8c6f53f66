/**
 * Record schemas: what each field of a fixed-size C struct is. Two ways to write one: the
 * compact form (compact.ts) or a C declaration (c-struct.ts); both give a {@link SchemaSpec},
 * which layout.ts then places. This file holds the shapes and the checks both parsers share.
 */

/** The scalar kinds a field can hold. `char` is text (an array of char is a NUL-padded string). */
export type Kind = 'i8' | 'i16' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32' | 'u64' | 'f32' | 'f64' | 'bool' | 'char';

/** All kinds, in the order help texts list them. */
export const KINDS: readonly Kind[] = ['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'bool', 'char'];

/** One field as declared: its name, kind, and element count when it is an array (`char name[32]` → 32). */
export interface FieldSpec {
  name: string;
  kind: Kind;
  /** Elements of a fixed-size array; undefined for a single value. */
  count?: number;
}

/** A struct as declared: its name, fields in order, and whether it is packed (`__attribute__((packed))`). */
export interface SchemaSpec {
  name: string;
  fields: FieldSpec[];
  packed: boolean;
}

/** A malformed schema or C declaration; the message points at the offending token. Exit status 1 in the CLI. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/** The lab's record: `struct person { uint32_t id; char name[32]; uint32_t age; }` (40 bytes). */
export const PERSON_SCHEMA: SchemaSpec = {
  name: 'person',
  fields: [
    { name: 'id', kind: 'u32' },
    { name: 'name', kind: 'char', count: 32 },
    { name: 'age', kind: 'u32' },
  ],
  packed: false,
};
/** A C identifier: what a field name must be. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Largest array length accepted (keeps a record within one mapping and offsets exact). */
export const MAX_COUNT = 1 << 24;

/** Refuses a field name declared twice; `where(i)` says where field i was declared. */
export function checkFields(fields: FieldSpec[], where: (i: number) => string): void {
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (seen.has(f.name)) throw new SchemaError(`${where(i)}: duplicate field '${f.name}'`);
    seen.add(f.name);
  });
}

/** Parses an array length (`32`, `0x20`, `32u`); `where` says where it was written. */
export function arrayLength(text: string, where: () => string): number {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)[uUlL]*$/.test(text)) {
    throw new SchemaError(`${where()}: an array length must be a whole number${/^[A-Za-z_]/.test(text) ? ' (macros are not expanded)' : ''}`);
  }
  const n = Number(text.replace(/[uUlL]+$/, ''));
  if (n < 1 || n > MAX_COUNT) throw new SchemaError(`${where()}: array length must be 1..${MAX_COUNT}`);
  return n;
}
