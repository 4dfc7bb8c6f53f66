// Plain JavaScript: vitest loads the config files through Node, which does not import TypeScript from a dependency.
import { defineConfig } from 'vitest/config';

// One vitest setup for every package: tests spawn real processes, so give them time, and
// run files one after another (they share /dev/shm, CPUs and sometimes counters).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
