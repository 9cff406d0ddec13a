import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', '**/*.vue', '.scratch/**', '**/.cache/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', __dirname: 'readonly', AbortController: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-sequences': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  // The core must never import Electron (DESIGN.md, rule 1): only index.ts and preload.ts may.
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/index.ts', 'src-main/preload.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'only src-main/index.ts and preload.ts touch Electron' }] }] },
  },
);
