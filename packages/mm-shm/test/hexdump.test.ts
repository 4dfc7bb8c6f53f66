import { describe, expect, it } from 'vitest';
import { hexDump, hexDumpLines } from '../src/hexdump.js';
import { haveCommand, runCommand } from '@mm/testkit';
import { patternBytes } from './helpers.js';

const hasXxd = haveCommand('xxd', 'comparing the hex dump with xxd');

function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

describe('hexDump', () => {
  it('formats a line like xxd: address, groups of two bytes, printable text', () => {
    expect(hexDump(Buffer.from('Hello, shared memory\n\x00\xff', 'latin1'))).toBe(
      '00000000: 4865 6c6c 6f2c 2073 6861 7265 6420 6d65  Hello, shared me\n' +
        '00000010: 6d6f 7279 0a00 ff                        mory...\n',
    );
    expect(hexDump(Buffer.alloc(0))).toBe('');
  });

  it('starts addresses at the given offset', () => {
    expect(hexDumpLines(Buffer.from('AB'), { address: 0x1000 })).toEqual(['00001000: 4142                                     AB']);
  });

  it('marks bytes that differ from the previous contents', () => {
    const [line] = hexDumpLines(Buffer.from('abc'), { previous: Buffer.from('abd'), mark: (t) => `[${t}]` });
    const [plain] = hexDumpLines(Buffer.from('abc'));
    expect(plain).toBe('00000000: 6162 63' + ' '.repeat(34) + 'abc');
    expect(line).toBe(plain.replace('6162 63', '6162 [63]').replace(/abc$/, 'ab[c]'));
    expect(hexDumpLines(Buffer.from('abc'), { previous: Buffer.from('abc'), mark: (t) => `[${t}]` })).toEqual([plain]);
  });

  it.skipIf(!hasXxd)('equals xxd for every length around the line width and for binary data', async () => {
    for (const len of [1, 2, 15, 16, 17, 31, 32, 33, 255, 256, 1000, 4096]) {
      const bytes = patternBytes(len, len);
      const ref = await runCommand('xxd', [], { input: bytes });
      expect(hexDump(bytes), `length ${len}`).toBe(ref.stdout.toString());
    }
  });

  it.skipIf(!hasXxd)('squeezes zero lines exactly as xxd -a does', async () => {
    const cases: Buffer[] = [
      zeros(64),
      zeros(100),
      zeros(4096),
      Buffer.concat([Buffer.from('Hello'), zeros(4091)]),
      Buffer.concat([Buffer.from('A'.repeat(16)), zeros(48)]),
      Buffer.concat([zeros(32), Buffer.from('x')]),
      Buffer.concat([zeros(48), Buffer.from('x')]),
      Buffer.concat([Buffer.from('Hello'), zeros(60), Buffer.from('tail'), zeros(200), Buffer.from('end')]),
      Buffer.from('a'.repeat(64)),
    ];
    for (const bytes of cases) {
      const ref = await runCommand('xxd', ['-a'], { input: bytes });
      expect(hexDump(bytes, { squeeze: true }), `${bytes.length} bytes`).toBe(ref.stdout.toString());
    }
  });
});
