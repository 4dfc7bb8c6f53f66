/**
 * C declarations: `struct person { uint32_t id; char name[32]; uint32_t age; };` (also as a
 * typedef, packed or not), read by a small tokenizer and a parser of one struct.
 */
import { arrayLength, checkFields, IDENT, KINDS, SchemaError, type FieldSpec, type Kind, type SchemaSpec } from './types.js';

interface Token {
  text: string;
  line: number;
  col: number;
}

function tokenize(src: string, label: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = src.length;
  let atLineStart = true;
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      atLineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new SchemaError(`${label}: line ${line}, column ${col}: comment not closed`);
      for (let k = i; k < end; k++) if (src[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
      i = end + 2;
      continue;
    }
    if (c === '#' && atLineStart) {
      // A preprocessor line: include guards and #include are harmless; #pragma pack is not.
      let end = src.indexOf('\n', i);
      if (end < 0) end = n;
      const directive = src.slice(i, end).trim();
      if (/^#\s*pragma\s+pack\b/.test(directive)) {
        throw new SchemaError(`${label}: line ${line}, column ${col} ('${directive}'): #pragma pack is not supported; use __attribute__((packed)) or --packed`);
      }
      // Macros are not expanded: a later use of one is reported where it appears.
      i = end;
      continue;
    }
    atLineStart = false;
    const word = /^[A-Za-z_][A-Za-z0-9_]*|^0[xX][0-9a-fA-F]+[uUlL]*|^[0-9]+[uUlL]*/.exec(src.slice(i, i + 64));
    if (word) {
      tokens.push({ text: word[0], line, col });
      i += word[0].length;
      continue;
    }
    tokens.push({ text: c, line, col });
    i++;
  }
  return tokens;
}

/** Words that combine into one C type (`unsigned long long int`). */
const SPECIFIERS = new Set(['signed', 'unsigned', 'short', 'long', 'int', 'char', 'float', 'double', '_Bool', 'bool']);
const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__restrict']);
const NAMED: Record<string, Kind> = {
  int8_t: 'i8', int16_t: 'i16', int32_t: 'i32', int64_t: 'i64',
  uint8_t: 'u8', uint16_t: 'u16', uint32_t: 'u32', uint64_t: 'u64',
  __int8_t: 'i8', __int16_t: 'i16', __int32_t: 'i32', __int64_t: 'i64',
  __uint8_t: 'u8', __uint16_t: 'u16', __uint32_t: 'u32', __uint64_t: 'u64',
  size_t: 'u64', ssize_t: 'i64', ptrdiff_t: 'i64', intptr_t: 'i64', uintptr_t: 'u64', off_t: 'i64',
};
const UNSUPPORTED: Record<string, string> = {
  union: 'unions are not supported',
  enum: 'enums are not supported (their size is the compiler\'s choice); use a fixed-width integer type',
  struct: 'nested structs are not supported; declare their fields inline',
  wchar_t: 'wchar_t is not supported; use uint32_t',
  _Complex: '_Complex is not supported',
  __int128: '__int128 is not supported',
  _Alignas: '_Alignas is not supported',
  alignas: 'alignas is not supported',
  _BitInt: '_BitInt is not supported',
  __fp16: 'half floats are not supported',
  _Float16: 'half floats are not supported',
};

// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- says what the string is: a Kind, or else the reason it is none
function specifiersToKind(words: string[]): Kind | string {
  const count = (w: string) => words.filter((x) => x === w).length;
  const signed = count('signed');
  const unsigned = count('unsigned');
  const shorts = count('short');
  const longs = count('long');
  const ints = count('int');
  const chars = count('char');
  const floats = count('float');
  const doubles = count('double');
  const bools = count('_Bool') + count('bool');
  if (signed + unsigned > 1 || ints > 1 || chars > 1 || shorts > 1 || longs > 2) return 'is not a valid C type';
  if (doubles) {
    if (longs === 1 && words.length === 2) return 'long double is not supported (its 80-bit format has no portable layout)';
    return words.length === 1 ? 'f64' : 'is not a valid C type';
  }
  if (floats) return words.length === 1 ? 'f32' : 'is not a valid C type';
  if (bools) return words.length === 1 ? 'bool' : 'is not a valid C type';
  if (chars) {
    if (shorts || longs || ints) return 'is not a valid C type';
    return unsigned ? 'u8' : signed ? 'i8' : 'char';
  }
  if (shorts && longs) return 'is not a valid C type';
  const u = unsigned > 0;
  if (shorts) return u ? 'u16' : 'i16';
  if (longs) return u ? 'u64' : 'i64';
  return u ? 'u32' : 'i32';
}

/**
 * Parses a C struct declaration: `struct NAME { TYPE FIELD; TYPE FIELD[N]; … };`, also as
 * `typedef struct { … } NAME;`, with `__attribute__((packed))` before or after the braces.
 * Types: the fixed-width integers (`int8_t` … `uint64_t`), the plain C integer types
 * (`char`, `short`, `int`, `long`, `long long`, signed/unsigned), `float`, `double`,
 * `bool`/`_Bool`, and fixed-size one-dimensional arrays of them. Pointers, nested structs,
 * unions, enums, bit-fields, `long double` and multi-dimensional arrays are rejected with a
 * message naming the line, column and token. Comments and preprocessor lines are skipped.
 * A source holding more than one struct is an error.
 */
export function parseCStruct(src: string, options: { label?: string; packed?: boolean } = {}): SchemaSpec {
  const label = options.label ?? '--struct';
  const tokens = tokenize(src, label);
  let p = 0;
  const where = (t: Token | undefined) => (t ? `${label}: line ${t.line}, column ${t.col} ('${t.text}')` : `${label}: at the end`);
  const fail = (t: Token | undefined, msg: string): never => {
    throw new SchemaError(`${where(t)}: ${msg}`);
  };
  const peek = () => tokens[p];
  const next = () => tokens[p++];
  const expect = (text: string, what = `expected '${text}'`) => {
    const t = next();
    if (!t || t.text !== text) fail(t, what);
    return t;
  };
  let packed = !!options.packed;
  const attributes = () => {
    while (peek() && (peek().text === '__attribute__' || peek().text === '__attribute')) {
      next();
      expect('(', "expected '((' after __attribute__");
      expect('(', "expected '((' after __attribute__");
      for (;;) {
        const a = next();
        if (!a) fail(a, 'attribute not closed');
        if (a.text === 'packed' || a.text === '__packed__') packed = true;
        else fail(a, 'only the packed attribute is supported');
        if (peek()?.text === ',') {
          next();
          continue;
        }
        break;
      }
      expect(')', "expected '))' closing __attribute__");
      expect(')', "expected '))' closing __attribute__");
    }
  };

  if (!tokens.length) fail(undefined, 'empty declaration (expected struct NAME { … };)');
  let typedef = false;
  if (peek().text === 'typedef') {
    typedef = true;
    next();
  }
  const kw = next();
  if (kw.text !== 'struct') fail(kw, kw.text === 'union' ? 'unions are not supported' : "expected 'struct'");
  attributes();
  let name = 'record';
  if (peek() && IDENT.test(peek().text) && peek().text !== '__attribute__') name = next().text;
  const open = next();
  if (!open || open.text !== '{') fail(open, "expected '{' (a declaration with its fields, not a forward declaration)");

  const fields: FieldSpec[] = [];
  const fieldTokens: Token[] = [];
  while (peek() && peek().text !== '}') {
    const start = peek();
    const words: string[] = [];
    let named: Kind | undefined;
    let firstTypeTok: Token | undefined;
    // Type specifiers up to the first declarator name.
    for (;;) {
      const t = peek();
      if (!t) fail(t, "struct not closed (missing '}')");
      if (QUALIFIERS.has(t.text)) {
        next();
        continue;
      }
      if (t.text in UNSUPPORTED) fail(t, UNSUPPORTED[t.text]);
      if (t.text === '__attribute__') fail(t, 'attributes on fields are not supported');
      if (SPECIFIERS.has(t.text)) {
        if (named) fail(t, `'${t.text}' cannot follow '${firstTypeTok?.text}'`);
        firstTypeTok ??= t;
        words.push(next().text);
        continue;
      }
      if (t.text in NAMED && !words.length && !named) {
        firstTypeTok = t;
        named = NAMED[next().text];
        continue;
      }
      break;
    }
    if (!named && !words.length) {
      const t = peek();
      fail(t, IDENT.test(t.text) ? `unknown type '${t.text}' (supported: int8_t…uint64_t, char, short, int, long, long long, signed/unsigned, float, double, bool)` : 'expected a field type');
    }
    let kind: Kind;
    if (named) kind = named;
    else {
      const k = specifiersToKind(words);
      if (!(KINDS as readonly string[]).includes(k)) fail(firstTypeTok, k.startsWith('is ') ? `'${words.join(' ')}' ${k}` : k);
      kind = k as Kind;
    }
    // Declarators: NAME, NAME[N], separated by commas.
    for (;;) {
      const t = next();
      if (!t) fail(t, 'expected a field name');
      if (t.text === '*') fail(t, 'pointers are not supported (an address means nothing inside a file)');
      if (t.text === '(') fail(t, 'function pointers and parenthesised declarators are not supported');
      if (!IDENT.test(t.text) || SPECIFIERS.has(t.text) || QUALIFIERS.has(t.text)) fail(t, 'expected a field name');
      const field: FieldSpec = { name: t.text, kind };
      if (peek()?.text === '[') {
        next();
        const n = next();
        if (!n || n.text === ']') fail(n, 'flexible array members are not supported; give the length');
        field.count = arrayLength(n.text, () => where(n));
        const close = next();
        if (!close || close.text !== ']') fail(close, "expected ']' (an array length must be one whole number)");
        if (peek()?.text === '[') fail(peek(), 'multi-dimensional arrays are not supported');
      }
      if (peek()?.text === ':') fail(peek(), 'bit-fields are not supported');
      fields.push(field);
      fieldTokens.push(t);
      const sep = next();
      if (sep?.text === ',') continue;
      if (sep?.text === ';') break;
      fail(sep, `expected ';' after field '${field.name}'`);
    }
    if (start === peek()) fail(start, 'cannot parse this field');
  }
  if (!peek()) fail(undefined, "struct not closed (missing '}')");
  const close = next();
  if (!fields.length) fail(close, 'a struct needs at least one field');
  attributes();
  if (typedef) {
    const alias = next();
    if (!alias || !IDENT.test(alias.text)) fail(alias, 'expected the typedef name');
    name = alias.text;
    attributes();
  }
  const semi = next();
  if (semi && semi.text !== ';') fail(semi, "expected ';' after the struct");
  if (!semi && typedef) fail(semi, "expected ';' after the typedef");
  const extra = peek();
  if (extra) fail(extra, extra.text === 'struct' || extra.text === 'typedef' ? 'only one struct per declaration (found a second one)' : 'unexpected text after the struct');
  checkFields(fields, (i) => where(fieldTokens[i]));
  return { name, fields, packed };
}
