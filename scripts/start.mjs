#!/usr/bin/env node
// `npm start`: build, then open the desktop window where Electron can run here;
// otherwise serve the same app to a browser on 127.0.0.1 and say why.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;

if (!run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])) process.exit(1);

/** The Electron binary when the window can open here, else why not. Never `require('electron')`: that tries a download. */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const binary = existsSync(pathFile) && join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!binary || !existsSync(binary)) return { why: 'the Electron binary is not downloaded (it is fetched on first launch, and this machine cannot fetch it)' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { why: 'there is no display (DISPLAY is not set)' };
  return { binary };
}

const { binary, why } = process.env.ATTENTION_LAB_SERVE ? { why: 'ATTENTION_LAB_SERVE is set' } : electronBinary();
if (why) console.log(`Opening in serve mode: ${why}.`);
const [cmd, args] = binary ? [binary, [root]] : [process.execPath, [join(root, 'bin/attention-lab.mjs'), 'serve', ...process.argv.slice(2)]];
const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
