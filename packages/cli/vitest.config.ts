export { default } from '../../tools/testkit/vitest.js';
