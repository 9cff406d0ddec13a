#!/usr/bin/env node
// `npm start`: build, then open the desktop window. The first time, that fetches the
// Electron binary (as the electron package does) and gets better-sqlite3 built for it.
// Where the fetch fails or there is no display, it serves the same app to a browser on
// 127.0.0.1 instead, and says why in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { electronSqlitePath, fits, oneLine } from './electron-sqlite.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const env = process.env;
/** Milliseconds without a byte before the Electron download gives up. */
const idleMs = Number(env.ATTENTION_LAB_FETCH_IDLE_MS) || 30_000;

if (!env.ATTENTION_LAB_SKIP_BUILD) {
  const built = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}

function launch(cmd, argv, extraEnv = {}) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
function serveMode(why) {
  console.log(`Opening in serve mode: ${why}.`);
  launch(process.execPath, [join(root, 'bin/attention-lab.mjs'), 'serve', ...args]);
}

/** The executable the electron package runs (its index.js's rule, without its download). */
function electronPath(pkgDir) {
  const pathFile = join(pkgDir, 'path.txt');
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return join(env.ELECTRON_OVERRIDE_DIST_PATH, exe || (process.platform === 'win32' ? 'electron.exe' : 'electron'));
  return exe && join(pkgDir, 'dist', exe);
}

/**
 * Downloads the Electron zip with @electron/get, with the arguments electron's install.js
 * uses (same mirror variables, cache and checksums), showing progress and giving up after
 * `idleMs` without data; then install.js itself unpacks it from the cache.
 */
async function fetchElectron(pkgDir, version) {
  const req = createRequire(join(pkgDir, 'package.json'));
  const { downloadArtifact } = await import(pathToFileURL(req.resolve('@electron/get')).href);
  const abort = new AbortController();
  let timer;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  let shown = -1;
  const progress = ({ transferred, total }) => {
    idle();
    const mb = Math.floor(transferred / 2 ** 20);
    if (mb === shown || (!process.stdout.isTTY && mb % 10 && transferred !== total)) return;
    shown = mb;
    const line = `Downloading Electron ${version}: ${mb} MB${total ? ` of ${Math.round(total / 2 ** 20)} MB` : ''}`;
    process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
  };
  console.log(`Downloading Electron ${version} (once, about 100 MB)…`);
  idle();
  try {
    await downloadArtifact({
      version,
      artifactName: 'electron',
      force: env.force_no_cache === 'true',
      cacheRoot: env.electron_config_cache,
      checksums: env.electron_use_remote_checksums || env.npm_config_electron_use_remote_checksums ? undefined : req('./checksums.json'),
      platform: env.ELECTRON_INSTALL_PLATFORM || env.npm_config_platform || process.platform,
      arch: env.ELECTRON_INSTALL_ARCH || env.npm_config_arch || process.arch,
      downloadOptions: { quiet: true, signal: abort.signal, getProgressCallback: progress },
    });
  } catch (e) {
    throw abort.signal.aborted ? abort.signal.reason : e;
  } finally {
    clearTimeout(timer);
    if (process.stdout.isTTY && shown >= 0) process.stdout.write('\n');
  }
  const unpacked = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (unpacked.status !== 0) throw new Error(`unpacking it failed: ${oneLine({ message: unpacked.stderr })}`);
}

/** better-sqlite3 built for this Electron: from the cache, else made once (scripts/electron-sqlite.mjs); null and a reason when it cannot be had. */
function electronSqlite(version, abi) {
  const file = electronSqlitePath(version);
  if (fits(file, abi)) return { file };
  const made = spawnSync(process.execPath, [join(root, 'scripts/electron-sqlite.mjs')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (made.status === 0) return { file };
  // the rebuild's tools print stacks; keep them in a log and say the gist in one line
  const log = join(dirname(dirname(file)), 'electron-sqlite.log');
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, made.stderr);
  const last = made.stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? `exit code ${made.status}`;
  const headers = /network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(made.stderr) && !/headers/.test(last) ? " (Electron's headers could not be downloaded)" : '';
  return { why: `${last}${headers}`, log };
}

async function main() {
  if (env.ATTENTION_LAB_SERVE) return serveMode('ATTENTION_LAB_SERVE is set');
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return serveMode('the electron package is not installed (run npm install)');
  }
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return serveMode('there is no display (DISPLAY is not set)');
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  let binary = electronPath(pkgDir);
  if (!binary || !existsSync(binary)) {
    const started = Date.now();
    try {
      await fetchElectron(pkgDir, version);
    } catch (e) {
      return serveMode(`the Electron ${version} binary could not be downloaded after ${((Date.now() - started) / 1000).toFixed(1)} s: ${oneLine(e)}`);
    }
    binary = electronPath(pkgDir);
  }
  const abi = readFileSync(join(pkgDir, 'abi_version'), 'utf8').trim();
  const sqlite = electronSqlite(version, abi);
  if (!sqlite.file)
    return serveMode(
      `the window needs better-sqlite3 built for Electron ${version}, and none could be had: ${sqlite.why}. ` +
        `Fix: run npm start again with internet access (it downloads a prebuilt one), or install a C++ compiler and Python so that it can compile one; details in ${sqlite.log}. ` +
        'Serve mode opens the same database',
    );
  launch(binary, [root, ...args], { ATTENTION_LAB_SQLITE_BINDING: sqlite.file });
}

await main();
