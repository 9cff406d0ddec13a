import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

/*
 * Layers (docs/architecture.md), enforced per folder with ESLint's own no-restricted-imports:
 *
 *   renderer  src-renderer, and what it may import of src-main: the contract (api/) and the
 *             pure chart builder (compare/chart.ts, with its stats.ts). None of it reaches Node, Electron or
 *             SQLite; api/ imports only api/, chart.ts only api/, so that holds transitively.
 *   core      api, store, datasets, solver, training, runs, compare, study, tracking,
 *             exports.ts, and lab.ts (the facade the doors call). It imports no door.
 *   doors     cli/, server/, index.ts + preload.ts (Electron). A door imports the core, never
 *             another door; an entry point (cli/main.ts, index.ts) may put doors together.
 *
 * Each rule below lists every pattern for its files: in a flat config a later block's
 * options replace an earlier block's for the same rule, they do not add up.
 */
const NODE = ['node:*', ...builtinModules, 'electron', 'better-sqlite3'];
const noNode = { group: NODE, message: 'the renderer and what it imports (api/, compare/chart.ts) run in a browser: no Node, Electron or SQLite' };
const ELECTRON = { name: 'electron', message: 'only src-main/index.ts and preload.ts touch Electron (the core and the other doors run without it)' };
const door = (what) => ({ message: `the core imports no door (${what}): give it what it needs as an argument or an interface it declares` });
const CORE_NO_DOORS = [
  { group: ['**/cli', '**/cli/**'], ...door('the CLI') },
  { group: ['**/server', '**/server/**'], ...door('serve mode') },
  { group: ['../index', '../preload', './index.ts', '../index.ts'], ...door('the Electron main process') },
];
const restrict = (patterns, paths = []) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', '.scratch/**', '**/.cache/**', '.stryker-tmp/**', 'reports/**', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-sequences': 'error',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
  },
  {
    files: ['**/*.vue'],
    rules: {
      // layout is left to the author (the templates are dense tables of controls); the correctness rules stay
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/attributes-order': 'off',
      'vue/first-attribute-linebreak': 'off',
    },
  },

  // renderer: a browser; of src-main only the contract and the chart builder
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    rules: restrict([noNode, { regex: '^@compare/(?!chart$)', message: 'of compare/ the renderer uses only the pure chart builder (@compare/chart)' }, { regex: 'src-main', message: 'the renderer reaches src-main only through @api/* and @compare/chart' }]),
  },
  // the contract: zod and itself
  { files: ['src-main/api/**/*.ts'], rules: restrict([noNode, { group: ['../*', '!../api', '!../api/*'], message: 'the contract imports only itself (and zod): the renderer imports it' }]) },
  // the chart builder and the band statistics it draws: the contract's types, and each other
  { files: ['src-main/compare/{chart,stats}.ts'], rules: restrict([noNode, { regex: '^\\.\\./(?!api/)|^\\./(?!(chart|stats)$)', message: 'compare/chart.ts and stats.ts import only the contract and each other: the renderer imports them' }]) },
  // the rest of the core: no door (and so no Electron), nor the facade doors call
  {
    files: ['src-main/{store,datasets,solver,training,runs,compare,study,tracking}/**/*.ts', 'src-main/exports.ts'],
    ignores: ['src-main/compare/{chart,stats}.ts'],
    rules: restrict([...CORE_NO_DOORS, { group: ['**/lab', '../lab.ts'], message: 'the core below lab.ts does not import the Lab: declare the part it needs (see study/host.ts)' }], [ELECTRON]),
  },
  { files: ['src-main/lab.ts'], rules: restrict(CORE_NO_DOORS, [ELECTRON]) },
  // doors: the core, not one another (entry points put them together)
  { files: ['src-main/cli/**/*.ts'], ignores: ['src-main/cli/main.ts'], rules: restrict([{ group: ['**/server', '**/server/**'], message: 'the CLI\'s commands do not import serve mode: the entry point (cli/main.ts) adds its command' }], [ELECTRON]) },
  { files: ['src-main/cli/main.ts'], rules: restrict([], [ELECTRON]) },
  { files: ['src-main/server/**/*.ts'], rules: restrict([{ group: ['**/cli', '**/cli/**'], message: 'serve mode does not import the CLI: it declares what its command needs (server/command.ts)' }], [ELECTRON]) },
);
