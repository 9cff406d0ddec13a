import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LabError } from '../api/errors';

/**
 * Which build of better-sqlite3 this process opens. It is not a Node-API addon, so a
 * build serves one runtime ABI only: node_modules holds the Node build (CLI, serve mode,
 * tests); the desktop app under Electron opens a second build, kept in a git-ignored
 * cache keyed by Electron version, better-sqlite3 version, platform and arch (npm start
 * makes it), unless the node_modules build already fits (the packaged app, which
 * electron-builder rebuilt for its Electron).
 */
export interface Runtime {
  /** process.versions.modules: the ABI a native module must be built for */
  modules: string;
  /** process.versions.electron, when this is Electron (or a process it forked) */
  electron?: string;
  platform: string;
  arch: string;
  env: NodeJS.ProcessEnv;
}

const nodeRequire = createRequire(import.meta.url); // not `require`: the bundler's ESM shim declares that one

export const thisRuntime = (): Runtime => ({ modules: process.versions.modules, electron: process.versions.electron, platform: process.platform, arch: process.arch, env: process.env });

/** The installed better-sqlite3: its version and the build `bindings` loads by default. */
export function installedSqlite(): { version: string; dir: string; build: string } {
  const dir = dirname(nodeRequire.resolve('better-sqlite3/package.json'));
  const version = (nodeRequire('better-sqlite3/package.json') as { version: string }).version;
  return { version, dir, build: join(dir, 'build', 'Release', 'better_sqlite3.node') };
}

/** The cache folder for Electron builds: ATTENTION_LAB_NATIVE_CACHE, else .cache/native in the project. */
export function nativeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ATTENTION_LAB_NATIVE_CACHE || join(installedSqlite().dir, '..', '..', '.cache', 'native');
}

/** Where the build of better-sqlite3 `sqlite` for Electron `electron` on platform-arch lives in the cache. */
export function cachedBuildPath(cacheDir: string, k: { sqlite: string; electron: string; platform: string; arch: string }): string {
  return join(cacheDir, `better-sqlite3-${k.sqlite}-electron-${k.electron}-${k.platform}-${k.arch}`, 'better_sqlite3.node');
}

/**
 * The ABI (NODE_MODULE_VERSION) a non-Node-API addon was built for, read from the
 * `node_register_module_vNNN` symbol it exports; null when the file has none.
 */
export function builtForAbi(file: string): string | null {
  // In a packaged app the file sits in app.asar.unpacked; Electron's fs maps it, plain Node does not.
  const fd = openSync(file.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'), 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = '';
    for (let pos = 0; ; ) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) return null;
      const text = carry + chunk.toString('latin1', 0, n);
      const m = /node_register_module_v(\d+)/.exec(text);
      if (m) return m[1];
      carry = text.slice(-40);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

function abiOrNull(file: string): string | null {
  try { return existsSync(file) ? builtForAbi(file) : null; } catch { return null; }
}

/**
 * The `nativeBinding` to open better-sqlite3 with: undefined for the node_modules build,
 * else the path of the Electron build. Throws a LabError naming the file and the fix
 * when this runtime has no build that fits.
 */
export function chooseBinding(rt: Runtime = thisRuntime(), sqlite = installedSqlite()): string | undefined {
  if (!rt.electron) return undefined; // Node: node_modules' own build
  const explicit = rt.env.ATTENTION_LAB_SQLITE_BINDING;
  if (!explicit && abiOrNull(sqlite.build) === rt.modules) return undefined; // packaged app: rebuilt for its Electron
  const file = explicit || cachedBuildPath(nativeCacheDir(rt.env), { sqlite: sqlite.version, electron: rt.electron, platform: rt.platform, arch: rt.arch });
  const abi = abiOrNull(file);
  if (abi === rt.modules) return file;
  const what = `better-sqlite3 ${sqlite.version} built for Electron ${rt.electron} (NODE_MODULE_VERSION ${rt.modules}, ${rt.platform}-${rt.arch})`;
  const found = !existsSync(file) ? `${file} does not exist` : abi ? `${file} is built for NODE_MODULE_VERSION ${abi}` : `${file} is not a better-sqlite3 build`;
  throw new LabError(
    'unsupported',
    `The desktop app needs ${what}, and ${found}. ` +
      'Fix: quit, then run `npm start` in the project folder with internet access once — it downloads that build, or compiles it ' +
      '(a C++ compiler and Python are needed for that). Meanwhile `npm run serve` opens the same database in a browser.',
  );
}
