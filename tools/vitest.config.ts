import { defineConfig } from 'vitest/config';

// The workspace-level checks: hostile-input suite, pack check and Node matrix (the packages have their own suites).
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['checks/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
