#!/usr/bin/env node
// `npm run electronegativity` (CI): Doyensec's Electron security checks over the app's
// sources. Every finding must be in the reviewed allow-list .ci/electronegativity-allow.json,
// with its reason; a new finding, or a listed one that no longer occurs, fails the run.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = createRequire(import.meta.url)('@doyensec/electronegativity/dist/runner.js');
const allow = JSON.parse(readFileSync(join(root, '.ci/electronegativity-allow.json'), 'utf8'));
const electron = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;

// Only what ships: main, preload and renderer sources with package.json (not tests, scripts or builds).
const scan = mkdtempSync(join(tmpdir(), 'attention-lab-electronegativity-'));
let result;
try {
  for (const part of ['src-main', 'src-renderer', 'package.json']) cpSync(join(root, part), join(scan, part), { recursive: true });
  const quiet = console.log; // the tool says it cannot reach its translation server; nothing else is printed
  console.log = () => {};
  try {
    result = await run({ input: scan, isRelative: true, electronVersionOverride: electron, excludeFromScan: allow.excluded.map((e) => e.check) });
  } finally {
    console.log = quiet;
  }
} finally {
  rmSync(scan, { recursive: true, force: true });
}

const key = (check, file) => `${check} ${file}`;
const allowed = new Map(allow.allowed.map((a) => [key(a.check, a.file), a]));
const found = result.issues.map((i) => ({ ...i, file: i.file.replaceAll('\\', '/') }));
const fresh = found.filter((i) => !allowed.has(key(i.id, i.file)));
const stale = allow.allowed.filter((a) => !found.some((i) => key(i.id, i.file) === key(a.check, a.file)));
const bad = result.errors.filter((e) => !e.tolerable);

for (const i of found) console.log(`${allowed.has(key(i.id, i.file)) ? 'allowed' : 'NEW    '} ${i.id} ${i.file}:${i.location.line} (${i.severity.name}, ${i.confidence.name})${allowed.has(key(i.id, i.file)) ? '' : `\n        ${i.description}`}`);
for (const a of stale) console.log(`STALE   ${a.check} ${a.file}: listed in .ci/electronegativity-allow.json but no longer found; remove it`);
for (const e of bad) console.log(`ERROR   ${e.file}: ${e.message}`);
console.log(`electronegativity: ${result.globalChecks + result.atomicChecks} checks, ${found.length} finding(s), ${fresh.length} new, ${stale.length} stale, ${bad.length} unparsed file(s)`);
process.exit(fresh.length || stale.length || bad.length ? 1 : 0);
