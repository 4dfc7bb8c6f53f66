// advise('populate'): MADV_POPULATE_READ brings a range into the page tables in one call.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openMapping, readSmaps } from '../src/index.js';
import { skipTest, tempDir } from '@mm/testkit';

const tmp = tempDir('mm-populate-');
afterAll(() => tmp.cleanup());

describe("advise('populate')", () => {
  it('makes the range resident in this process at once; discard(dontneed) lets it go again, the bytes stay', (ctx) => {
    const file = join(tmp.path, 'sixteen-mib.bin');
    writeFileSync(file, Buffer.alloc(16 << 20, 0x61));
    const m = openMapping(file);
    const rss = () => readSmaps('self').find((e) => e.path === file)?.fields.Rss ?? 0;
    expect(rss()).toBe(0);
    try {
      m.advise('populate', { offset: 8 << 20, length: 2 << 20 });
    } catch (e) {
      // Kernels before 5.14 do not know MADV_POPULATE_READ.
      expect((e as NodeJS.ErrnoException).code).toBe('EINVAL');
      return skipTest(ctx, 'this kernel has no MADV_POPULATE_READ (it came in Linux 5.14)');
    }
    // The range, and perhaps its neighbours in the same large pages of the page cache; not the file.
    expect(rss()).toBeGreaterThanOrEqual(2 << 20);
    expect(rss()).toBeLessThanOrEqual(8 << 20);
    m.discard('dontneed');
    expect(rss()).toBe(0);
    expect(m.bytes[9 << 20]).toBe(0x61);
    m.unmap();
  });
});
