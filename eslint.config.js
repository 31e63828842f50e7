// ESLint for src/, test/, bench/ and scripts/: typescript-eslint's type-checked rules, so that a promise
// nobody waits for, a promise handed where a callback's result is ignored, or an assertion the types
// already make is found before it runs. Formatting is Prettier's (`npm run format`), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'native/', 'bin/', 'deploy/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself waits for.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // Passing on what a catch caught (unknown) is not inventing a non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // One way to keep a member private: the `private` keyword, which most classes use. `#name`
      // would also hide it at run time, which nothing here needs, and mixing both reads as a difference
      // where there is none.
      'no-restricted-syntax': ['error', { selector: 'PrivateIdentifier', message: "Use TypeScript's `private` keyword, not a #private member." }],
      // Matching control characters is the point of the regular expressions that have them (text made
      // inert for a terminal, tar headers, escape sequences in reports).
      'no-control-regex': 'off',
      // An async function without await is deliberate here: it implements an async interface from data
      // at hand (engine look-ups answered from memory, async generators over a list), and a throw in it
      // becomes a rejection as callers expect.
      '@typescript-eslint/require-await': 'off',
      // Parameters and caught errors named `_` or `_name` are unused on purpose (a callback's fixed
      // signature, a catch that only needs to know that it failed).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read the engine's and SDKs' JSON answers as they come (JSON.parse, dockerode's untyped
    // results) and their assertions check the shape; typing every answer would add casts, not checks.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The live view's page script runs in the browser (src/view/live-view.ts serves it).
    files: ['src/view/page/*.js'],
    languageOptions: {
      globals: { document: 'readonly', navigator: 'readonly', fetch: 'readonly', EventSource: 'readonly', Option: 'readonly', requestAnimationFrame: 'readonly', setTimeout: 'readonly' },
    },
  },
);
