#!/usr/bin/env node
// `npm run mutation -- [module…] [--files a.ts,b.ts] [--since REV] [--max-minutes M]`: Stryker over
// each module with its own tests (test/mutation/modules.mjs); reports in reports/mutation/ and a score table.
// --files: only those files of the module. --since REV: only the lines the module's files gained or
// changed since REV (what CI runs per change; a module the change did not touch is skipped).
// --max-minutes: all modules' time; a run still going then is stopped and reported unfinished, not failed.
// MUTATION_BREAK=S fails the run when a module scores below S %.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modules } from './modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const at = args.indexOf('--since');
const since = at >= 0 ? args.splice(at, 2)[1] : null;
const fi = args.indexOf('--files');
const only = fi >= 0 ? args.splice(fi, 2)[1].split(',') : null;
const mm = args.indexOf('--max-minutes');
const maxMinutes = mm >= 0 ? Number(args.splice(mm, 2)[1]) : null;
const deadline = Date.now() + (maxMinutes ?? 0) * 60_000;
const names = args.length ? args : Object.keys(modules);
for (const n of names) if (!modules[n]) throw new Error(`unknown module '${n}'; known: ${Object.keys(modules).join(', ')}`);
const changed = since ? changedLines(since) : null;
const glob = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}$`);

const scores = [];
let failed = false;
for (const name of names) {
  const m = modules[name];
  let mutate = only ?? m.mutate;
  if (changed) {
    const keep = m.mutate.filter((p) => !p.startsWith('!')).map(glob), drop = m.mutate.filter((p) => p.startsWith('!')).map((p) => glob(p.slice(1)));
    mutate = [...changed].filter(([f]) => keep.some((r) => r.test(f)) && !drop.some((r) => r.test(f))).flatMap(([f, ranges]) => ranges.map((r) => `${f}:${r}`));
    if (!mutate.length) continue;
  }
  // a run over some files (or lines) keeps its own report (and incremental file), not the module's
  const tag = since ? `${name}-since` : only ? `${name}-${only.map((f) => basename(f, '.ts')).join('+')}` : name;
  const reportFile = join(root, `reports/mutation/${tag}.json`);
  rmSync(reportFile, { force: true }); // no report afterwards: no mutant on those lines (comments, types)
  const started = Date.now(), left = maxMinutes ? deadline - started : null;
  if (left !== null && left <= 0) {
    scores.push({ name: tag, unfinished: true, minutes: '0.0' });
    continue;
  }
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', join(root, 'test/mutation/stryker.config.mjs'), '--mutate', mutate.join(',')], {
    cwd: root, stdio: 'inherit', env: { ...process.env, MUTATION_TESTS: m.tests.join(','), MUTATION_MODULE: tag, ...(since ? { MUTATION_INCREMENTAL: '0' } : {}) },
    ...(left !== null ? { timeout: left, killSignal: 'SIGINT' } : {}),
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  if (r.error?.code === 'ETIMEDOUT') {
    console.log(`\nmutation: ${tag} stopped at the ${maxMinutes} min limit, unfinished (not failed); run \`npm run mutation -- ${name}${since ? ` --since ${since}` : ''}\` where there is time`);
    scores.push({ name: tag, unfinished: true, minutes });
    continue;
  }
  if (r.status !== 0) failed = true;
  if (r.status !== 0 && !existsSync(reportFile)) {
    scores.push({ name: tag, error: true, minutes }); // Stryker stopped before testing a mutant (see its log above)
    continue;
  }
  const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { files: {} };
  let killed = 0, survived = 0, noCoverage = 0, timeout = 0;
  for (const f of Object.values(report.files)) for (const x of f.mutants) {
    if (x.status === 'Killed') killed++;
    else if (x.status === 'Timeout') timeout++;
    else if (x.status === 'Survived') survived++;
    else if (x.status === 'NoCoverage') noCoverage++;
  }
  const total = killed + timeout + survived + noCoverage;
  scores.push({ name: tag, minutes, total, killed: killed + timeout, survived, noCoverage, score: total ? (100 * (killed + timeout)) / total : 100 });
}
if (since && !scores.length) console.log(`mutation: no module's mutated lines changed since ${since}`);
else {
  console.log('\n| module | mutants | killed | survived | no coverage | score | minutes |\n|---|---|---|---|---|---|---|');
  for (const s of scores) console.log(s.unfinished || s.error ? `| ${s.name} | ${s.error ? 'failed' : 'unfinished'} | | | | | ${s.minutes} |` : `| ${s.name} | ${s.total} | ${s.killed} | ${s.survived} | ${s.noCoverage} | ${s.score.toFixed(1)} % | ${s.minutes} |`);
}
if (failed) process.exit(1);

/** The lines each file under src-main gained or changed since `rev` (git diff hunks), as Stryker's `file:start-end` ranges. */
function changedLines(rev) {
  const out = new Map();
  let file = null;
  for (const line of execFileSync('git', ['diff', '-U0', '--no-color', '--no-ext-diff', rev, '--', 'src-main'], { cwd: root, encoding: 'utf8' }).split('\n')) {
    if (line.startsWith('+++ ')) file = line.startsWith('+++ b/') ? line.slice(6) : null; // null: the file was deleted
    const h = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!h || !file || h[2] === '0') continue; // a hunk that only deletes leaves no line to mutate
    const start = Number(h[1]), count = h[2] === undefined ? 1 : Number(h[2]);
    (out.get(file) ?? out.set(file, []).get(file)).push(`${start}-${start + count - 1}`);
  }
  return out;
}
