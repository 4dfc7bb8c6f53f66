// ESLint for the TypeScript and the .mjs tools, with type information (typescript-eslint's project service).
// `npm run lint` runs it (and cpplint for core's C++); `npm test` runs it too. Any warning fails the run.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/build/**', '**/prebuilds/**', '**/man/**', '**/node_modules/**', 'tools/matrix/**', 'tools/bench/runs/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Files that no tsconfig includes: this file, and the two .mjs whose .d.mts hides them from tools/tsconfig.json.
        projectService: { allowDefaultProject: ['eslint.config.mjs', 'packages/testkit/src/launchers.mjs', 'packages/testkit/src/vitest.mjs', 'tools/packing.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // From strictTypeChecked, the checks that catch real bugs rather than style:
      // a switch over a union that forgets a member.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // a promise returned un-awaited from inside try/catch/finally, which escapes the catch and runs after the finally;
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // a call to an API its own types mark @deprecated (Node's or a dependency's).
      '@typescript-eslint/no-deprecated': 'error',
      // (Not no-unnecessary-condition: with noUncheckedIndexedAccess off it calls every check of an index result needless.)
      // An async function without await still returns a promise, which the bench suites, tour stops and tests are asked for.
      '@typescript-eslint/require-await': 'off',
      // The tools match terminal escapes and control bytes on purpose (hexdump, tables, JSON escaping).
      'no-control-regex': 'off',
      // A name starting with _ is a value taken on purpose and not used (a loop that only counts, a skipped argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // Rejecting with what a catch caught (or an AbortSignal's reason) passes the original on; anything else must be an Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    files: ['**/*.mjs'],
    rules: {
      // Plain JavaScript declares no types, so every imported value is `any`: these rules would flag each use of one.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
