// An object shrunk by another process while mm-shm has it mapped: a message, never SIGBUS.
import { describe, it, expect } from 'vitest';
import { ftruncateSync, closeSync } from 'node:fs';
import { openShmMapping, shmOpen, shmUnlink, pageSize } from '@mm/core';
import { uniqueShmName } from '../../../tools/testkit/index.js';
import { checkObjectPages } from '../src/objects.js';

describe('checkObjectPages', () => {
  it('names the object and its new size once a page vanished under the mapping', () => {
    const name = uniqueShmName('mmshmshrink');
    const m = openShmMapping(name, { create: true, size: 2 * pageSize });
    try {
      m.bytes.fill(1);
      checkObjectPages(m, name, 'being written');
      const h = shmOpen(name);
      ftruncateSync(h.fd, 100);
      closeSync(h.fd);
      m.bytes.fill(2); // the second page is gone: the stores land in a private zero page
      expect(() => checkObjectPages(m, name, 'being written')).toThrow(`${name}: object shrank to 100 bytes while being written`);
    } finally {
      m.unmap();
      shmUnlink(name);
    }
  });
});
