import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { alias: { '@api': fileURLToPath(new URL('../src-main/api', import.meta.url)), '@compare': fileURLToPath(new URL('../src-main/compare', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/faults/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native module + child processes: forks isolate better-sqlite3 handles per file.
    pool: 'forks',
  },
});
