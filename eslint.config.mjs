// ESLint for the TypeScript and the .mjs tools, with type information (typescript-eslint's project service).
// `npm run lint` runs it (and cpplint for core's C++); `npm test` runs it too. Any warning fails the run.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
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
        projectService: { allowDefaultProject: ['eslint.config.mjs', 'tools/launchers.mjs', 'tools/packing.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // From strictTypeChecked, the checks that catch real bugs rather than style:
      // a switch over a union that forgets a member.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
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
