// An object shrunk by another process while mm-shm has it mapped: a message, never SIGBUS.
import { describe, it, expect } from 'vitest';
import { ftruncateSync, closeSync } from 'node:fs';
import { openMapping, shmOpen, shmUnlink, pageSize as pageSizeOf } from '@mm/core';
import { uniqueShmName } from '@mm/testkit';
const pageSize = pageSizeOf();

describe('a mapping of an object, as mm-shm write and the arbiter make it', () => {
  it('names the object and its new size once a page vanished under the mapping', () => {
    const name = uniqueShmName('mmshmshrink');
    const h = shmOpen(name, { create: true, size: 2 * pageSize });
    const m = openMapping(h.fd, { access: 'rw', sharing: 'shared', name, noun: 'object' });
    try {
      m.bytes.fill(1);
      m.check('being written');
      ftruncateSync(h.fd, 100);
      m.bytes.fill(2); // the second page is gone: the stores land in a private zero page
      expect(() => m.check('being written')).toThrow(`${name}: object shrank to 100 bytes while being written`);
    } finally {
      m.unmap();
      closeSync(h.fd);
      shmUnlink(name);
    }
  });
});
