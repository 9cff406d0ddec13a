import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtForAbi, cachedBuildPath, chooseBinding, installedSqlite, type Runtime } from '../../src-main/store/binding';
import { tmpDir } from './helpers/tmp';

/** Which better-sqlite3 build a runtime opens, with the runtime's module version faked. */
describe('better-sqlite3 binding choice', () => {
  const dir = tmpDir();
  const sqlite = installedSqlite();
  const electron = (env: NodeJS.ProcessEnv = {}): Runtime => ({ modules: '150', electron: '45.4.1', platform: 'linux', arch: 'x64', env: { ATTENTION_LAB_NATIVE_CACHE: dir, ...env } });
  const cached = () => cachedBuildPath(dir, { sqlite: sqlite.version, electron: '45.4.1', platform: 'linux', arch: 'x64' });
  /** A stand-in addon: what matters is the registration symbol the real ones export. */
  const fakeBuild = (file: string, abi: string) => {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, Buffer.concat([Buffer.alloc(3000, 7), Buffer.from(`\0node_register_module_v${abi}\0`), Buffer.alloc(100)]));
    return file;
  };

  it('reads the ABI a build was made for: node_modules holds the Node build', () => {
    expect(builtForAbi(sqlite.build)).toBe(process.versions.modules);
  });

  it("Node's runtime opens the node_modules build", () => {
    expect(chooseBinding({ modules: process.versions.modules, platform: 'linux', arch: 'x64', env: { ATTENTION_LAB_NATIVE_CACHE: dir } })).toBeUndefined();
  });

  it("Electron's runtime opens the cache build for its version, better-sqlite3's version, platform and arch", () => {
    const file = fakeBuild(cached(), '150');
    expect(file).toContain(`better-sqlite3-${sqlite.version}-electron-45.4.1-linux-x64`);
    expect(chooseBinding(electron())).toBe(file);
    // another Electron version is another key: not this file
    expect(() => chooseBinding({ ...electron(), electron: '46.0.0', modules: '151' })).toThrow(/46\.0\.0/);
  });

  it('a packaged app whose node_modules build fits its Electron opens that one', () => {
    const build = fakeBuild(join(dir, 'pkg', 'better_sqlite3.node'), '150');
    expect(chooseBinding(electron(), { ...sqlite, build })).toBeUndefined();
  });

  it('a missing build gets the clear message, naming the file and the fix', () => {
    const run = () => chooseBinding(electron());
    expect(run).toThrow(`${cached()} does not exist`);
    expect(run).toThrow(/Electron 45\.4\.1 \(NODE_MODULE_VERSION 150, linux-x64\).*Fix: .*`npm start`.*`npm run serve` opens the same database/);
  });

  it('a build for the wrong ABI gets the clear message, naming the file and its ABI', () => {
    fakeBuild(cached(), '115');
    expect(() => chooseBinding(electron())).toThrow(`${cached()} is built for NODE_MODULE_VERSION 115`);
    const given = fakeBuild(join(dir, 'given.node'), '140');
    expect(() => chooseBinding(electron({ ATTENTION_LAB_SQLITE_BINDING: given }))).toThrow(`${given} is built for NODE_MODULE_VERSION 140`);
  });
});
