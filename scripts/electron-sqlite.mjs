// better-sqlite3 for the installed Electron, kept beside node_modules' Node build in a
// git-ignored cache (src-main/store/binding.ts names the file and opens it). First the
// prebuilt binary for runtime electron and this version (prebuild-install), else a compile
// against Electron's headers — both done by @electron/rebuild, the rebuilder electron-builder
// uses, on a copy of the package so that node_modules' Node build stays as it is.
// Run by npm start in a child process: the compile's tools print stacks, which it logs.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const require = createRequire(import.meta.url);
const binding = await tsImport('../src-main/store/binding.ts', import.meta.url);

/** The cached build's path for this Electron, whether it exists yet or not. */
export function electronSqlitePath(electronVersion, env = process.env) {
  const sqlite = binding.installedSqlite();
  return cachedPath(sqlite, electronVersion, env);
}
/** Whether `file` is a build for NODE_MODULE_VERSION `abi`. */
export const fits = (file, abi) => existsSync(file) && binding.builtForAbi(file) === abi;
const cachedPath = (sqlite, electron, env) => binding.cachedBuildPath(binding.nativeCacheDir(env), { sqlite: sqlite.version, electron, platform: process.platform, arch: process.arch });

/**
 * Makes sure the cache holds better-sqlite3 built for `electronVersion` (whose
 * NODE_MODULE_VERSION is `abi`). Resolves to its path, or rejects with a one-line reason.
 */
export async function ensureElectronSqlite(electronVersion, abi, { env = process.env, log = console.log } = {}) {
  const sqlite = binding.installedSqlite();
  const file = cachedPath(sqlite, electronVersion, env);
  if (fits(file, abi)) return file;
  log(`Getting better-sqlite3 ${sqlite.version} for Electron ${electronVersion} (once; a download, else a compile)…`);
  const work = mkdtempSync(join(tmpdir(), 'attention-lab-sqlite-'));
  try {
    const copy = join(work, 'node_modules', 'better-sqlite3');
    cpSync(sqlite.dir, copy, { recursive: true, filter: (src) => !src.startsWith(join(sqlite.dir, 'build')) });
    // rebuild finds prebuild-install beside the module, as in a normal install
    symlinkSync(dirname(require.resolve('prebuild-install/package.json')), join(work, 'node_modules', 'prebuild-install'), 'junction');
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'electron-sqlite', version: '0.0.0', dependencies: { 'better-sqlite3': sqlite.version } }));
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    // the prebuilt binary first, asked for as @electron/rebuild asks (its reason is worth showing)
    const pre = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime=electron', `--target=${electronVersion}`, `--arch=${process.arch}`, `--platform=${process.platform}`, '--tag-prefix=v'], { cwd: copy, encoding: 'utf8' });
    if (!fits(built, abi)) {
      const noPrebuilt = pre.stderr.split('\n').filter((l) => l.trim()).at(-1)?.replace(/^prebuild-install (warn|err!?) (install )?/i, '') ?? `exit code ${pre.status}`;
      log(`No prebuilt binary (${noPrebuilt}); compiling against Electron's headers…`);
      const { rebuild } = await import('@electron/rebuild');
      try {
        await rebuild({ buildPath: work, electronVersion, arch: process.arch, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true, mode: 'sequential' });
      } catch (e) {
        throw new Error(`no prebuilt binary (${noPrebuilt}), and compiling failed: ${oneLine(e)}`);
      }
      if (!fits(built, abi)) throw new Error(`the compile produced no better_sqlite3.node for NODE_MODULE_VERSION ${abi}`);
    }
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(built, `${file}.tmp`);
    renameSync(`${file}.tmp`, file); // whole or not at all
    return file;
  } catch (e) {
    throw new Error(oneLine(e));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** An error in one line: its message's first line, and the cause when the message hides it. */
export function oneLine(e) {
  const msg = String(e?.message ?? e).split('\n').find((l) => l.trim()) ?? String(e);
  const cause = e?.cause?.message ?? e?.cause?.code;
  return cause && !msg.includes(cause) ? `${msg} (${cause})` : msg;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const electron = require('electron/package.json').version;
  const abi = readFileSync(join(dirname(require.resolve('electron/package.json')), 'abi_version'), 'utf8').trim();
  ensureElectronSqlite(electron, abi).then((f) => console.log(f), (e) => { console.error(e.message); process.exit(1); });
}
