import { defineConfig } from 'vitest/config';

// The workspace-level checks: hostile-input suite, pack check and Node matrix (the packages have their own suites).
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['checks/**/*.test.ts'],
    // Packs every package once and installs each tool alone; both checks use the result.
    globalSetup: ['checks/packed.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
