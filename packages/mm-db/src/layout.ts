/**
 * Struct layout by the x86-64 System V ABI, the one gcc and clang use on Linux x86-64:
 * each field at the next multiple of its alignment (its element size: 1, 2, 4 or 8),
 * the struct's size rounded up to its largest alignment (tail padding). Packed structs
 * (`__attribute__((packed))`) have no padding at all.
 */
import type { FieldSpec, Kind, SchemaSpec } from './schema/types.js';

/** Bytes of one element of each kind (also its alignment on x86-64). */
export const KIND_SIZE: Readonly<Record<Kind, number>> = {
  i8: 1, u8: 1, bool: 1, char: 1,
  i16: 2, u16: 2,
  i32: 4, u32: 4, f32: 4,
  i64: 8, u64: 8, f64: 8,
};

/** A field with its place in the record. */
export interface FieldLayout extends FieldSpec {
  /** Index of the field in the schema. */
  index: number;
  /** Byte offset in the record (`offsetof`). */
  offset: number;
  /** Bytes the field takes (`sizeof`, element size × count). */
  size: number;
  /** Bytes of one element. */
  elemSize: number;
  /** Alignment the field needed (1 when packed). */
  align: number;
  /** Padding bytes right before this field (a hole). */
  padBefore: number;
}

/** A laid-out struct: every field's offset, the record size and the padding. */
export interface Layout {
  name: string;
  packed: boolean;
  fields: FieldLayout[];
  /** `sizeof(struct)`: the record size in the file. */
  size: number;
  /** `_Alignof(struct)`. */
  align: number;
  /** Padding bytes after the last field (tail padding). */
  tailPadding: number;
  /** Padding bytes inside the struct (between fields). */
  holeBytes: number;
  /** Look a field up by name. */
  byName: ReadonlyMap<string, FieldLayout>;
}

/** Lays out a schema as gcc does on x86-64 Linux (or packed, without any padding). */
export function layoutSchema(spec: SchemaSpec): Layout {
  let offset = 0;
  let maxAlign = 1;
  let holeBytes = 0;
  const fields: FieldLayout[] = spec.fields.map((f, index) => {
    const elemSize = KIND_SIZE[f.kind];
    const align = spec.packed ? 1 : elemSize;
    const start = Math.ceil(offset / align) * align;
    const size = elemSize * (f.count ?? 1);
    const padBefore = start - offset;
    holeBytes += padBefore;
    offset = start + size;
    maxAlign = Math.max(maxAlign, align);
    return { ...f, index, offset: start, size, elemSize, align, padBefore };
  });
  const size = Math.ceil(offset / maxAlign) * maxAlign;
  return {
    name: spec.name,
    packed: spec.packed,
    fields,
    size,
    align: maxAlign,
    tailPadding: size - offset,
    holeBytes,
    byName: new Map(fields.map((f) => [f.name, f])),
  };
}
