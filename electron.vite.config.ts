import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// the renderer's two windows into src-main: the contract, and the pure chart builder it shares with the CLI
const alias = { '@api': resolve('src-main/api'), '@compare': resolve('src-main/compare') };

export default defineConfig({
  // Main process: the core is bundled; native and optional modules stay external.
  main: {
    resolve: { alias },
    // the trainer runs in its own process (src-main/runs): a second entry beside index.js
    build: { rollupOptions: { input: { index: resolve('src-main/index.ts'), trainer: resolve('src-main/runs/trainer.ts') } } },
  },
  // Sandboxed preloads cannot load ES modules or node_modules: one self-contained CommonJS file.
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: { input: { preload: resolve('src-main/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    resolve: { alias },
    plugins: [vue()],
    // minified, content-hashed chunks (one per view, the libraries apart): serve mode caches them for a year
    build: { minify: true, rollupOptions: { input: resolve('src-renderer/index.html') } },
  },
});
