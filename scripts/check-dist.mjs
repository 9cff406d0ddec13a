#!/usr/bin/env node
// `npm run dist:check`: what of `npm run dist` can be checked without downloading Electron.
// electron-builder packs the app for Linux (`--dir`, the unpacked app every installer wraps)
// around a stand-in Electron, without the native rebuild (that needs Electron's headers);
// then the packed layout is checked, and the packed main process is run under Node with the
// stub 'electron' module: it must find resources/, its trainer and its own database.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asar from '@electron/asar';
import { driveMain } from '../test/unit/helpers/electron-stub/drive.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.cache', 'dist-check');
const work = mkdtempSync(join(tmpdir(), 'attention-lab-dist-'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const failures = [];
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
const node = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status === 0;

try {
  if (!process.env.ATTENTION_LAB_SKIP_BUILD && !node([join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])) throw new Error('the build failed');
  const fakeElectron = join(work, 'electron-dist');
  mkdirSync(fakeElectron);
  writeFileSync(join(fakeElectron, 'electron'), '#!/bin/sh\necho "stand-in Electron: the real one is downloaded by npm run dist"\n');
  chmodSync(join(fakeElectron, 'electron'), 0o755);
  rmSync(out, { recursive: true, force: true });
  const packed = node([join(root, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', '--publish', 'never',
    `-c.electronDist=${fakeElectron}`, '-c.npmRebuild=false', `-c.directories.output=${out}`]);
  check(packed, 'electron-builder accepts the configuration and packs the app (linux dir, stand-in Electron, no native rebuild)');
  if (!packed) throw new Error('packing failed');

  const app = join(out, 'linux-unpacked');
  const archive = join(app, 'resources', 'app.asar');
  check(existsSync(join(app, pkg.build.executableName)), `the executable is named ${pkg.build.executableName}`);
  const files = new Set(asar.listPackage(archive).map((f) => f.replaceAll('\\', '/')));
  for (const f of ['/package.json', `/${pkg.main.replace(/^\.\//, '')}`, '/out/main/trainer.js', '/out/preload/preload.cjs', '/out/renderer/index.html', '/resources/seed-example.taskset.json', '/resources/builtin-mix.taskset.json'])
    check(files.has(f), `app.asar holds ${f}`);
  check(![...files].some((f) => f.startsWith('/src-main/') || f.startsWith('/test/') || f.endsWith('.map')), 'app.asar holds no sources, tests or source maps');
  check(existsSync(join(app, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')), 'better-sqlite3\'s native build is unpacked from the asar');

  // The packed app, unpacked to plain files Node can read, run under the stub.
  const plain = join(work, 'app');
  asar.extractAll(archive, plain);
  cpSync(`${archive}.unpacked`, plain, { recursive: true });
  const data = join(work, 'data');
  const d = driveMain(join(plain, pkg.main), { ...process.env, XDG_DATA_HOME: data, ATTENTION_LAB_DB: '', STUB_USER_DATA: join(work, 'electron-default') });
  try {
    await d.windowOpened();
    const frame = d.rendererUrl(join(plain, 'out'));
    const info = await d.call('db/info', {}, frame);
    check(info.ok && info.value.path === join(data, 'attention-lab', 'lab.db'), `the packed app opens its own database in the platform data folder (${info.value?.path ?? info.error?.message})`);
    const examples = await d.call('taskSets/examples', {}, frame);
    check(examples.ok && examples.value.length >= 2, `the packed app finds resources/ (${examples.value?.length ?? 0} example task sets)`);
    const csv = ['text,label', ...Array.from({ length: 120 }, (_, i) => `${i % 2 ? 'apple pear plum' : 'brick stone slate'} ${i},${i % 2 ? 'fruit' : 'rock'}`)].join('\n');
    await d.call('datasets/import', { content: csv, filename: 'toy.csv' }, frame);
    const set = await d.call('taskSets/create', { name: 'toy', budget: 100, tasks: [{ name: 'toy', attentionCost: 1, timeCost: 1, dataset: 'toy' }] }, frame);
    const profiled = await d.call('taskSets/profile', { id: set.value?.id, batches: 2 }, frame);
    check(profiled.ok, `the packed app forks its trainer (${profiled.ok ? 'tasks timed' : profiled.error?.message})`);
  } finally {
    d.main.kill();
  }
} catch (e) {
  failures.push(e.message);
  console.error(e.message);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(failures.length ? `dist check: ${failures.length} failure(s)` : 'dist check: the packaging checks that run offline passed (installers and the native rebuild were not made: they need downloads)');
process.exit(failures.length ? 1 : 0);
