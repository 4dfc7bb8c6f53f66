export { default } from '@mm/testkit/vitest';
