import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The rules that fire on `code` if it were the file at `path` (nothing is written). */
async function fired(path: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(root, path) });
  return r.messages.map((m) => `${m.ruleId}: ${m.message}`);
}
const blocked = (path: string, code: string) => fired(path, code).then((m) => m.filter((x) => x.startsWith('no-restricted-imports')));

describe('the layer rules (eslint.config.js)', () => {
  it('keep Node, Electron and SQLite out of the renderer and what it imports of src-main', async () => {
    expect(await blocked('src-renderer/src/views/X.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toHaveLength(1);
    expect(await blocked('src-renderer/src/views/X.ts', "import { join } from 'path';\nexport const f = join;\n")).toHaveLength(1);
    expect(await blocked('src-renderer/src/views/X.vue', "<script setup lang=\"ts\">\nimport { ipcRenderer } from 'electron';\nipcRenderer.send('x');\n</script>\n<template><p>x</p></template>\n")).toHaveLength(1);
    expect(await blocked('src-renderer/src/views/X.ts', "import { compareRuns } from '@compare/index';\nexport const f = compareRuns;\n")).toHaveLength(1);
    expect(await blocked('src-renderer/src/views/X.ts', "import { compareChartOption } from '@compare/chart';\nimport type { Run } from '@api/schemas';\nexport const f = (r: Run) => [r, compareChartOption];\n")).toEqual([]);
    expect(await blocked('src-main/api/x.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toHaveLength(1);
    expect(await blocked('src-main/api/x.ts', "import * as store from '../store';\nexport const s = store;\n")).toHaveLength(1);
    expect(await blocked('src-main/api/x.ts', "import { Run } from './schemas';\nimport { z } from 'zod';\nexport const s = z.array(Run);\n")).toEqual([]);
    expect(await blocked('src-main/compare/chart.ts', "import { compareRuns } from './index';\nexport const c = compareRuns;\n")).toHaveLength(1);
  });

  it('keep doors out of the core, and the doors out of one another', async () => {
    expect(await blocked('src-main/store/x.ts', "import { serve } from '../server';\nexport const s = serve;\n")).toHaveLength(1);
    expect(await blocked('src-main/runs/x.ts', "import { createCli } from '../cli/program';\nexport const c = createCli;\n")).toHaveLength(1);
    expect(await blocked('src-main/study/x.ts', "import type { Lab } from '../lab';\nexport type L = Lab;\n")).toHaveLength(1);
    expect(await blocked('src-main/training/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await blocked('src-main/lab.ts', "import { serve } from './server/index';\nexport const s = serve;\n")).toHaveLength(1);
    expect(await blocked('src-main/cli/commands/x.ts', "import { serve } from '../../server';\nexport const s = serve;\n")).toHaveLength(1);
    expect(await blocked('src-main/server/x.ts', "import { id } from '../cli/context';\nexport const i = id;\n")).toHaveLength(1);
    // entry points put doors together; doors import the core
    expect(await blocked('src-main/cli/main.ts', "import { serveCommand } from '../server/command';\nexport const s = serveCommand;\n")).toEqual([]);
    expect(await blocked('src-main/server/x.ts', "import type { Lab } from '../lab';\nimport * as store from '../store';\nexport type L = [Lab, typeof store];\n")).toEqual([]);
  });

  it('lint the Vue files, with the comma operator refused', async () => {
    const vue = await fired('src-renderer/src/views/X.vue', '<script setup lang="ts">\nlet a = 0;\nconst f = () => (a++, a);\nf();\n</script>\n<template><p v-for="x in [1]">{{ x }}</p></template>\n');
    expect(vue).toContainEqual(expect.stringMatching(/^no-sequences/));
    expect(vue).toContainEqual(expect.stringMatching(/^vue\/require-v-for-key/));
  });
});
