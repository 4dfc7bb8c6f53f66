// What sits at /dev/shm/NAME when opening the game object fails: a directory (or another
// non-file) is named as such, rather than the EEXIST/EINVAL that shm_open or mmap gives.
import { lstatSync } from 'node:fs';
import { SHM_DIR, systemError, validateShmName, type SystemError } from '@mm/core';

/** An error naming `name` when /dev/shm/NAME exists but is not a regular file, else undefined. */
export function notAnObject(name: string): SystemError | undefined {
  let bare: string;
  try {
    bare = validateShmName(name);
  } catch {
    return undefined;
  }
  try {
    const st = lstatSync(`${SHM_DIR}/${bare}`);
    if (st.isFile()) return undefined;
    if (st.isDirectory()) return systemError(21 /* EISDIR */, 'shm_open', bare);
    const e = systemError(19 /* ENODEV */, 'shm_open', bare);
    e.message = `${bare}: not a shared-memory object (${SHM_DIR}/${bare} is not a regular file)`;
    return e;
  } catch {
    return undefined;
  }
}
