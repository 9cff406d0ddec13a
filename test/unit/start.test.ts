import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedBuildPath, installedSqlite } from '../../src-main/store/binding';
import { tmpDir } from './helpers/tmp';

const root = join(__dirname, '../..');
const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

/**
 * `npm start` (scripts/start.mjs, build skipped) with a fake Electron: the electron package
 * honours ELECTRON_OVERRIDE_DIST_PATH, and @electron/get honours ELECTRON_MIRROR, here a
 * local server standing in for GitHub.
 */
describe.skipIf(process.platform === 'win32')('npm start', () => {
  const dir = tmpDir();

  /** Runs start.mjs until its output matches `until` (then stops it) or it exits. */
  function start(env: Record<string, string | undefined>, args: string[] = [], until?: RegExp) {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), ...args], {
      cwd: root,
      env: {
        ...process.env, ATTENTION_LAB_SKIP_BUILD: '1', ATTENTION_LAB_SERVE: '', ATTENTION_LAB_DB: join(dir, 'lab.db'),
        ATTENTION_LAB_NATIVE_CACHE: join(dir, 'native'), electron_config_cache: join(dir, 'electron-cache'), ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'dist'),
        ELECTRON_MIRROR: 'http://127.0.0.1:9/', DISPLAY: ':99', WAYLAND_DISPLAY: '', ...env,
      },
    });
    let out = '';
    return new Promise<{ out: string; code: number | null; seconds: number }>((resolve) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (until?.test(out)) child.kill();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('close', (code) => resolve({ out, code, seconds: (Date.now() - t0) / 1000 }));
    });
  }

  /** A fake Electron executable that records its arguments and environment. */
  function fakeElectron(): string {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const exe = join(dir, 'dist', 'electron');
    writeFileSync(exe, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nenv > "${dir}/env"\n`);
    chmodSync(exe, 0o755);
    return exe;
  }

  /** A mirror that logs what is asked of it and answers with `handler`. */
  async function mirror(handler: (res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string; asked: string[] }> {
    const asked: string[] = [];
    const server = createServer((req, res) => { asked.push(req.url!); handler(res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, asked };
  }

  it('binary and display: opens the window on the project with better-sqlite3 built for Electron, passing its arguments through', async () => {
    fakeElectron();
    const build = cachedBuildPath(join(dir, 'native'), { sqlite: installedSqlite().version, electron: electronVersion, platform: process.platform, arch: process.arch });
    mkdirSync(join(build, '..'), { recursive: true });
    const abi = readFileSync(join(root, 'node_modules/electron/abi_version'), 'utf8').trim();
    writeFileSync(build, `\0node_register_module_v${abi}\0`);
    const r = await start({}, ['--db', join(dir, 'other.db')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'args'), 'utf8').split('\n').filter(Boolean)).toEqual([root, '--db', join(dir, 'other.db')]);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`ATTENTION_LAB_SQLITE_BINDING=${build}\n`);
    expect(r.out).not.toMatch(/serve mode/);
  });

  it('binary absent: fetches it from the mirror; a refused fetch opens serve mode promptly with its reason', async () => {
    const m = await mirror((res) => res.writeHead(404).end('not here'));
    try {
      const r = await start({ ELECTRON_MIRROR: m.url }, [], /serving on http/);
      expect(m.asked).toEqual([`/v${electronVersion}/electron-v${electronVersion}-${process.platform}-${process.arch}.zip`]);
      expect(r.out).toMatch(new RegExp(`Downloading Electron ${electronVersion}`));
      expect(r.out).toMatch(new RegExp(`Opening in serve mode: the Electron ${electronVersion} binary could not be downloaded after [\\d.]+ s: .*404 \\(Not Found\\) for ${m.url}`));
      expect(r.seconds).toBeLessThan(15);
    } finally {
      m.server.close();
    }
  });

  it('a download that stops sending gives up after the idle bound, with that reason', async () => {
    const m = await mirror((res) => {
      res.writeHead(200, { 'content-length': String(100 * 2 ** 20) });
      res.write(Buffer.alloc(64 * 1024)); // then nothing more
    });
    try {
      const r = await start({ ELECTRON_MIRROR: m.url, ATTENTION_LAB_FETCH_IDLE_MS: '1500' }, [], /serving on http/);
      expect(r.out).toMatch(/Downloading Electron .*: 0 MB of 100 MB/);
      expect(r.out).toMatch(/could not be downloaded after [\d.]+ s: no data for 1\.5 s\./);
      expect(r.seconds).toBeLessThan(15);
    } finally {
      m.server.closeAllConnections();
      m.server.close();
    }
  });

  it.skipIf(process.platform !== 'linux')('no display: serve mode at once, saying so, without downloading', async () => {
    const m = await mirror((res) => res.writeHead(404).end());
    try {
      const r = await start({ ELECTRON_MIRROR: m.url, DISPLAY: '' }, [], /serving on http/);
      expect(r.out).toMatch(/Opening in serve mode: there is no display \(DISPLAY is not set\)\./);
      expect(m.asked).toEqual([]);
    } finally {
      m.server.close();
    }
  });
});
