/**
 * Number parsing for command lines: sizes (`4KiB`, `10M`, `1e6`) and counts (`1e9`, `10M`).
 * Throws {@link NumberFormatError} with a message naming the bad text. The grammar every
 * mm tool uses is written down once, in docs/architecture.md ("Numbers"): decimal only, no
 * blanks, no hex.
 */
export class NumberFormatError extends Error {
  readonly code = 'ERR_MM_BAD_NUMBER';
  constructor(message: string) {
    super(message);
    this.name = 'NumberFormatError';
  }
}

const BINARY: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15, e: 1e18 };

function parseWith(text: string, what: string, plainSuffix: Record<string, number>): number {
  const s = String(text);
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kmgtpe]?)(i?b?)$/i.exec(s);
  if (!m || (m[3].toLowerCase() === 'ib' && m[2] === '') || (m[3].toLowerCase() === 'i')) {
    throw new NumberFormatError(`invalid ${what}: '${text}'`);
  }
  const unit = m[2].toLowerCase();
  const tail = m[3].toLowerCase();
  const mult = tail === 'ib' ? BINARY[unit] : tail === 'b' && unit !== '' ? DECIMAL[unit] : plainSuffix[unit];
  const value = Number(m[1]) * mult;
  if (!Number.isFinite(value) || !Number.isInteger(value)) throw new NumberFormatError(`invalid ${what}: '${text}' is not a whole number`);
  if (value > Number.MAX_SAFE_INTEGER) throw new NumberFormatError(`invalid ${what}: '${text}' is too large`);
  return value;
}

/**
 * A byte size or offset, like GNU `head -c`: plain digits, scientific `1e6`, `K M G T P E`
 * (powers of 1024), `KiB MiB …` (1024) and `KB MB …` (1000). Whole, non-negative, ≤ 2^53-1.
 */
export function parseSize(text: string, what = 'size'): number {
  return parseWith(text, what, BINARY);
}

/**
 * A count: digits, `1e9`, and `K M G T` as powers of 1000 (`10M` is ten million, `1G` a
 * billion), or `KiB …` for powers of 1024. Whole, non-negative, ≤ 2^53-1.
 */
export function parseCount(text: string, what = 'count'): number {
  return parseWith(text, what, DECIMAL);
}

/** Formats bytes for people: `1023 B`, `4.0 KiB`, `1.5 GiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
