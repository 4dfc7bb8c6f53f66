// How the experiments write addresses and bytes in their messages.

/** An address or number in hex: `0x7f…`. */
export const hex = (n: bigint): string => '0x' + n.toString(16);

/** A byte as `0x41 'A'` (the character only when it is printable ASCII). */
export const byteText = (v: number): string => `0x${v.toString(16).padStart(2, '0')}${v >= 0x20 && v < 0x7f ? ` '${String.fromCharCode(v)}'` : ''}`;
