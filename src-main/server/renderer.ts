import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LabError } from '../api/errors';

/**
 * Serve mode needs the built renderer. On a fresh clone it is not there: build it once
 * (the same `npm run build`) when the build tool is installed and the folder is the
 * default one; otherwise refuse at start, with the command, rather than serve a 404.
 */
export function ensureRenderer(dir: string, isDefault: boolean, say: (line: string) => void, root = join(dir, '../..')): void {
  if (existsSync(join(dir, 'index.html'))) return;
  const refuse = (why: string) => new LabError('unsupported', `the app is not built (no index.html in ${dir})${why}: run \`npm run build\` in the Attention Lab folder, then serve again`);
  if (!isDefault) throw refuse('');
  let tool: string;
  try {
    tool = join(dirname(createRequire(import.meta.url).resolve('electron-vite/package.json')), 'bin/electron-vite.js');
  } catch {
    throw refuse(' and the build tool is not installed (npm install installs it)');
  }
  say('the app is not built yet: building it once (npm run build)…');
  // root: the install (its electron.vite.config.ts); the build lands beside `dir` (out/ by default)
  const r = spawnSync(process.execPath, [tool, 'build', '--outDir', dirname(dir)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(join(dir, 'index.html'))) throw refuse(' and building it failed (above)');
}
