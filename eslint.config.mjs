// ESLint flat config: JavaScript's and typescript-eslint's type-aware recommended rules; formatting
// is Prettier's business (eslint-config-prettier turns off the rules it would fight with).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // The generated-client journey is type-checked against the generated client by its own test.
  { ignores: ['dist/', 'coverage/', 'reports/', '.local/', 'bench/results/', 'test/openapi/client/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a value left out on purpose (a destructured secret, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  // Tests read supertest and driver answers, which are `any` by design, and fakes implement async
  // interfaces without awaiting: the unsafe-any and require-await rules would only add casts there.
  {
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.fakes.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests send NUL and other control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  // Plain JavaScript (scripts, bench, configs) is not type-checked.
  { files: ['**/*.mjs', '**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
