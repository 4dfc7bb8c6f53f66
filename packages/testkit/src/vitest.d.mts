import type { ViteUserConfig } from 'vitest/config';
/** The vitest setup every package's vitest.config.ts re-exports. */
declare const config: ViteUserConfig;
export default config;
