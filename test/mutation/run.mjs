#!/usr/bin/env node
// `npm run mutation -- [module…] [--since REV]`: Stryker over each module with its own tests
// (test/mutation/modules.mjs); reports in reports/mutation/MODULE.html and a score table.
// --since REV mutates only that module's files changed since REV (what CI runs per change);
// --files a.ts,b.ts only those files of the module.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modules } from './modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const at = args.indexOf('--since');
const since = at >= 0 ? args.splice(at, 2)[1] : null;
const fi = args.indexOf('--files');
const only = fi >= 0 ? args.splice(fi, 2)[1].split(',') : null;
const names = args.length ? args : Object.keys(modules);
for (const n of names) if (!modules[n]) throw new Error(`unknown module '${n}'; known: ${Object.keys(modules).join(', ')}`);
const changed = since ? execFileSync('git', ['diff', '--name-only', since, '--', 'src-main'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean) : null;
const glob = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}$`);

const scores = [];
for (const name of names) {
  const m = modules[name];
  let mutate = only ?? m.mutate;
  if (changed) {
    const keep = m.mutate.filter((p) => !p.startsWith('!')).map(glob), drop = m.mutate.filter((p) => p.startsWith('!')).map((p) => glob(p.slice(1)));
    mutate = changed.filter((f) => keep.some((r) => r.test(f)) && !drop.some((r) => r.test(f)));
    if (!mutate.length) continue;
  }
  // a run over some files keeps its own report (and incremental file), not the module's
  const tag = only ? `${name}-${only.map((f) => basename(f, '.ts')).join('+')}` : name;
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', join(root, 'test/mutation/stryker.config.mjs'), '--mutate', mutate.join(',')], {
    cwd: root, stdio: 'inherit', env: { ...process.env, MUTATION_TESTS: m.tests.join(','), MUTATION_MODULE: tag },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const report = JSON.parse(readFileSync(join(root, `reports/mutation/${tag}.json`), 'utf8'));
  let killed = 0, survived = 0, noCoverage = 0, timeout = 0;
  for (const f of Object.values(report.files)) for (const x of f.mutants) {
    if (x.status === 'Killed') killed++;
    else if (x.status === 'Timeout') timeout++;
    else if (x.status === 'Survived') survived++;
    else if (x.status === 'NoCoverage') noCoverage++;
  }
  const total = killed + timeout + survived + noCoverage;
  scores.push({ name: tag, total, killed: killed + timeout, survived, noCoverage, score: total ? (100 * (killed + timeout)) / total : 100 });
}
console.log('\n| module | mutants | killed | survived | no coverage | score |\n|---|---|---|---|---|---|');
for (const s of scores) console.log(`| ${s.name} | ${s.total} | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.score.toFixed(1)} % |`);
