import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRenderer } from './renderer';
import { serve } from '../server';
import { LabError } from '../api/errors';
import type { Dataset, ProgressEvent, TaskSet } from '../api/schemas';
import { Lab } from '../lab';
import { defaultDbPath } from '../store/location';
import { readJsonFile } from './files';
import { bytes, fmt, table } from './format';

/** The CLI door: each command is one or more contract calls, printed for a terminal (or as JSON). */
const program = new Command('attention-lab')
  .description('Attention Lab: solve training-budget allocations across tasks, train, and compare runs.')
  .option('--db <path>', 'database file (default: $ATTENTION_LAB_DB, else the one the app chose, else lab.db in the platform data folder)')
  .option('--parallel <n>', 'runs trained at once (default: as many as the cores and free memory allow; 1: one at a time)', (v) => count('--parallel', v))
  .showHelpAfterError();

let lab: Lab | undefined;
// Output piped into a reader that stopped (`… | head`): stop as a killed pipe would, leaving
// any run this process trains interrupted (resumable), not 'running'.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    lab?.close();
    process.exit(141);
  });
function open(): Lab {
  lab ??= new Lab(program.opts().db ? resolve(program.opts().db) : defaultDbPath(), { parallel: program.opts().parallel });
  return lab;
}
const out = (s: string): void => void process.stdout.write(s.endsWith("\n") ? s : s + "\n");
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));
const id = (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new LabError('invalid_input', `'${s}' is not an id (a positive whole number)`);
  return n;
};

const count = (flag: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new LabError('invalid_input', `${flag}: '${v.slice(0, 20)}' is not a whole number of at least 1`);
  return n;
};

const num = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new LabError('invalid_input', `'${v}' is not a number`);
  return n;
};

const db = program.command('db').description('the experiment database');
db.command('compact')
  .description('rewrite the database file without its free pages (deleted runs give their space back); needs no run training')
  .action(async () => {
    const r = await open().call('db/compact', {});
    out(`compacted: ${bytes(r.before)} → ${bytes(r.after)}`);
  });
db.command('info')
  .description('where the database is, its schema version and what it holds')
  .option('--json', 'print JSON')
  .action(async (o) => {
    const info = await open().call('db/info', {});
    if (o.json) return json(info);
    out(`database  ${info.path}\nschema    version ${info.schemaVersion}\nsize      ${bytes(info.sizeBytes)}\n`);
    out(table(['table', 'rows'], Object.entries(info.counts)));
  });

/** Progress of long work on standard error (a line per update when it is not a terminal). */
function showProgress(l: Lab): () => void {
  const tty = process.stderr.isTTY;
  const on = (e: ProgressEvent) => {
    const pct = e.total ? ` ${Math.floor((100 * e.done) / e.total)}%` : '';
    process.stderr.write(tty ? `\r\x1b[K${e.message}${pct}` : `${e.message}${pct}\n`);
  };
  l.events.on('progress', on);
  return () => {
    l.events.off('progress', on);
    if (tty) process.stderr.write('\r\x1b[K');
  };
}

function printDataset(d: Dataset): void {
  out(`data set ${d.id} '${d.name}'  (${d.source}; ${d.tokenizer.kind} tokens, at most ${d.tokenizer.maxLength})`);
  if (d.description) out(d.description);
  for (const n of d.notes) out(`  · ${n}`);
  out('split' + ('seed' in d.split ? `: seeded (${d.split.seed}), stratified by label` : `: from column '${d.split.column}'`));
  out(table(['label', 'train', 'validation', 'test', 'share'], [
    ...d.stats.labels.map((l) => [l.label, l.train, l.validation, l.test, `${((100 * (l.train + l.validation + l.test)) / (d.counts.train + d.counts.validation + d.counts.test)).toFixed(1)}%`]),
    ['total', d.counts.train, d.counts.validation, d.counts.test, '100%'],
  ]));
  const t = d.stats.tokenLengths;
  out(`tokens per text: mean ${fmt(t.mean)}, median ${t.median}, 95th percentile ${t.p95}, max ${t.max}; ${t.truncated} text(s) truncated at ${d.tokenizer.maxLength}`);
  out(`training tokens (a of a task on this data set): ${d.stats.trainTokens.toLocaleString('en-US')}`);
  const peak = Math.max(...t.bins.map((b) => b.count));
  const first = t.bins.findIndex((b) => b.count > 0);
  for (const b of t.bins.slice(Math.max(0, first))) out(`${`${b.from}–${b.to}`.padStart(12)} ${'█'.repeat(Math.round((30 * b.count) / peak)).padEnd(30)} ${b.count}`);
}

const data = program.command('datasets').description('labelled text: the built-ins and imported files');
data
  .command('list')
  .description('stored data sets, and the built-ins not loaded yet')
  .option('--json', 'print JSON')
  .action(async (o) => {
    const [list, builtins] = [await open().call('datasets/list', {}), await open().call('datasets/builtins', {})];
    if (o.json) return json({ datasets: list, builtins });
    if (list.length) out(table(['id', 'name', 'labels', 'train', 'validation', 'test', 'tokens', 'source'], list.map((d) => [d.id, d.name, d.labels.length, d.counts.train, d.counts.validation, d.counts.test, d.tokenizer.kind, d.source])));
    const waiting = builtins.filter((b) => b.loadedId === null);
    if (waiting.length) out(`\nbuilt-ins not loaded yet (\`datasets load NAME\`, or name one in a task set):\n${table(['name', 'description'], waiting.map((b) => [b.name, b.description]))}`);
  });
data
  .command('show <id>')
  .description('one data set (by id or name): label balance, token lengths, training tokens')
  .option('--json', 'print JSON')
  .action(async (ref: string, o) => {
    const d = await open().call('datasets/get', { id: await datasetId(ref) });
    if (o.json) return json(d);
    printDataset(d);
  });
data
  .command('load <name>')
  .description('store a built-in data set (spam, spam-hard, names-gender, sotu-party, sotu-era)')
  .option('--json', 'print JSON')
  .action(async (name: string, o) => {
    const done = showProgress(open());
    const d = await open().call('datasets/loadBuiltin', { name }).finally(done);
    if (o.json) return json(d);
    printDataset(d);
  });
data
  .command('import <file>')
  .description('import a CSV, TSV or JSONL file of labelled text as one data set (all of it, or nothing)')
  .option('--text <column>', 'the text column (guessed when obvious: text, content, body, …)')
  .option('--label <column>', 'the label column (guessed when obvious: label, class, category, …)')
  .option('--split <column>', 'a column of train / validation / test to use instead of a seeded split')
  .option('--name <name>', 'the data set name (default: the file name)')
  .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'tsv', 'jsonl']))
  .addOption(new Option('--tokenizer <kind>', 'word, or char n-grams for short texts (default: guessed from text lengths)').choices(['word', 'char']))
  .option('--max-length <n>', 'tokens kept per text (default: 200 words, 48 n-grams)', (v) => id(v))
  .option('--seed <n>', 'split seed', (v) => id(v))
  .option('--max-labels <n>', 'refuse more distinct labels than this (default 100)', (v) => id(v))
  .option('--json', 'print JSON')
  .action(async (file: string, o) => {
    const done = showProgress(open());
    const d = await open()
      .call('datasets/import', {
        path: resolve(file), name: o.name, text: o.text, label: o.label, split: o.split, format: o.format, seed: o.seed, maxLabels: o.maxLabels,
        ...(o.tokenizer || o.maxLength ? { tokenizer: { ...(o.tokenizer ? { kind: o.tokenizer } : {}), ...(o.maxLength ? { maxLength: o.maxLength } : {}) } } : {}),
      })
      .catch((e) => { throw e instanceof LabError && e.code === 'conflict' && /already exists/.test(e.message) ? new LabError('conflict', `${e.message} with --name`) : e; })
      .finally(done);
    if (o.json) return json(d);
    printDataset(d);
  });
data
  .command('delete <id>')
  .description('delete a data set (by id or name) and its examples; refused while a task set uses it')
  .action(async (ref: string) => {
    const dsId = await datasetId(ref);
    await open().call('datasets/delete', { id: dsId });
    out(`data set ${ref} deleted`);
  });

/** A data set named by id or by name. */
async function datasetId(ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const match = (await open().call('datasets/list', {})).find((d) => d.name === ref);
  if (!match) throw new LabError('not_found', `no data set named '${ref}' (see \`datasets list\`)`);
  return match.id;
}

const taskSet = program.command('task-set').description('task sets: tasks with attention cost a, time t, weight w, and a budget');
taskSet
  .command('create <file>')
  .description('store a task set from a JSON file ({ name, budget, timeBudget?, tasks: [{ name, attentionCost, timeCost, weight, floor, cap, examples?, dataset? }] })')
  .option('--json', 'print JSON')
  .action(async (file: string, o) => {
    const set = await open().call('taskSets/create', readJsonFile(file));
    if (o.json) return json(set);
    out(`created task set ${set.id} '${set.name}' with ${set.tasks.length} tasks, budget ${set.budget}`);
  });
taskSet
  .command('list')
  .description('all task sets')
  .option('--json', 'print JSON')
  .action(async (o) => {
    const sets = await open().call('taskSets/list', {});
    if (o.json) return json(sets);
    if (!sets.length) return out('no task sets yet: create one with `task-set create FILE.json`');
    out(table(['id', 'name', 'tasks', 'budget', 'time budget', 'total attention'], sets.map((s) => [s.id, s.name, s.taskCount, s.budget, s.timeBudget, s.totalAttention])));
  });
/** A task set's tasks; measured costs carry a mark. */
function printTaskSet(s: TaskSet): void {
  out(`task set ${s.id} '${s.name}'  budget A = ${s.budget}${s.timeBudget ? `  time budget = ${s.timeBudget} s` : ''}`);
  if (s.description) out(s.description);
  const m = (v: number, measured: boolean) => `${fmt(v)}${measured ? ' *' : ''}`;
  out(table(['task', 'a', 't (s)', 'w', 'floor', 'cap', 'n', 'data set'], s.tasks.map((t) => [t.name, m(t.attentionCost, t.attentionMeasured), m(t.timeCost, t.timeMeasured), t.weight, t.floor, t.cap, t.examples, t.datasetName])));
  if (s.tasks.some((t) => t.attentionMeasured || t.timeMeasured)) out('* measured (a: training tokens; t: seconds per full training pass, see `task-set profile`)');
}
taskSet
  .command('show <id>')
  .description('one task set (by id or name) with its tasks')
  .option('--json', 'print JSON')
  .action(async (ref: string, o) => {
    const s = await open().call('taskSets/get', { id: await taskSetId(ref) });
    if (o.json) return json(s);
    printTaskSet(s);
  });
taskSet
  .command('profile <id>')
  .description("measure a task set's costs: a_i = training tokens, t_i = seconds per full pass on this machine's backend")
  .addOption(new Option('--model <kind>', 'encoder to time').choices(['bag', 'cnn', 'transformer']).default('bag'))
  .option('--batch-size <B>', 'examples per batch', num, 32)
  .option('--batches <k>', 'timed batches per task', num, 8)
  .option('--json', 'print JSON')
  .action(async (ref: string, o) => {
    const stop = showProgress(open());
    const s = await open().call('taskSets/profile', { id: await taskSetId(ref), model: o.model, batchSize: o.batchSize, batches: o.batches });
    stop();
    if (o.json) return json(s);
    printTaskSet(s);
  });

/** A task set named by id or by name. */
async function taskSetId(ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const match = (await open().call('taskSets/list', {})).find((s) => s.name === ref);
  if (!match) throw new LabError('not_found', `no task set named '${ref}' (see \`task-set list\`)`);
  return match.id;
}

/** Options every solving command shares; returns the SolveParams they spell. */
function solveOptions(c: Command): Command {
  return c
    .addOption(new Option('--policy <name>', 'allocation policy').choices(['uniform', 'size', 'temperature', 'seed-formula', 'lp', 'milp', 'dp', 'curve']).default('lp'))
    .option('--budget <A>', "attention budget per epoch (default: the task set's)", num)
    .option('--time-budget <T>', "time budget per epoch in seconds (default: the task set's)", num)
    .option('--temperature <T>', 'temperature of the temperature policy', num)
    .option('--share-cap <s>', 'no task above this share of the total (lp, milp)', num)
    .option('--batch-size <B>', 'examples per batch for tasks with data', num)
    .option('--units <N>', 'units per task without data (milp, dp granularity)', num)
    .option('--time-limit <s>', 'seconds of milp branch-and-bound before it returns its best counts (default 10)', num)
    .option('--curves <file>', 'JSON { task: { alpha, beta, gamma } } for the curve policy')
    .option('--json', 'print JSON');
}
function solveParams(o: Record<string, unknown>) {
  const p: Record<string, unknown> = { policy: o.policy };
  for (const [opt, key] of [['budget', 'budget'], ['timeBudget', 'timeBudget'], ['temperature', 'temperature'], ['shareCap', 'shareCap'], ['batchSize', 'batchSize'], ['units', 'units'], ['timeLimit', 'timeLimit']])
    if (o[opt] !== undefined) p[key] = o[opt];
  if (o.curves) p.curves = readJsonFile(String(o.curves));
  return p as { policy: 'lp' };
}

solveOptions(program.command('solve <taskset>').description('solve the allocation π of a task set (by id or name) and store the solve'))
  .addOption(new Option('--versus <policy>', 'add a column with another policy\'s π (default for seed-formula: lp)').choices(['uniform', 'size', 'temperature', 'seed-formula', 'lp', 'milp', 'dp', 'curve']))
  .action(async (ref: string, o) => {
    const id = await taskSetId(ref);
    const s = await open().call('solve/run', { taskSetId: id, ...solveParams(o) });
    const versusPolicy = o.versus ?? (s.policy === 'seed-formula' ? 'lp' : undefined);
    const versus = versusPolicy ? await open().call('solve/run', { taskSetId: id, ...solveParams({ ...o, policy: versusPolicy }) }) : null;
    if (o.json) return json(versus ? { solve: s, versus } : s);
    const set = await open().call('taskSets/get', { id });
    out(`solve ${s.id}: task set '${set.name}', policy ${s.policy} — ${s.status}`);
    if (s.status === 'infeasible') {
      out(`infeasible: ${s.explanation}`);
      process.exitCode = 3;
      return;
    }
    const rows = set.tasks.map((t, i) => [t.name, t.attentionCost, t.timeCost, t.weight, s.pi[i], ...(versus ? [versus.pi[i] ?? null] : []), s.counts[i], t.attentionCost * s.pi[i], t.timeCost * s.pi[i]]);
    const total = ['total', null, null, null, null, ...(versus ? [null] : []), s.counts.reduce((a, b) => a + b, 0), s.objective.attention, s.objective.time];
    out(table(['task', 'a', 't', 'w', 'π', ...(versus ? [`π (${versus.policy})`] : []), 'c', 'attention', 'time'], [...rows, total]));
    const budget = s.params.budget as number;
    const timeBudget = s.params.timeBudget as number | null;
    out(`objective Σ w·π = ${fmt(s.objective.value)}${versus ? `   (${versus.policy}: ${fmt(versus.objective.value)})` : ''}`);
    out(`attention ${fmt(s.objective.attention)} of ${fmt(budget)}${timeBudget ? `, time ${fmt(s.objective.time)} of ${fmt(timeBudget)} s` : ''}`);
    if (s.duals.attention !== null) out(`shadow price of attention ${fmt(s.duals.attention)} (value per extra attention unit)${s.duals.time !== null ? `, of time ${fmt(s.duals.time)}` : ''}`);
    if (s.objective.predictedAccuracy !== undefined) out(`predicted weighted accuracy ${fmt(s.objective.predictedAccuracy)}`);
    out(`binding: ${s.binding.length ? s.binding.join(', ') : 'none'}`);
    if (s.policy === 'seed-formula' && versus?.policy === 'lp')
      out(`the seed's formula is a closed form, not an optimum: the LP optimum is Σ w·π = ${fmt(versus.objective.value)} against the formula's ${fmt(s.objective.value)}`);
    for (const n of s.notes) out(`note: ${n}`);
    out(`c counts units per epoch (batches of ${s.params.batchSize} for tasks with data, 1/${s.params.units} of a pass otherwise); solved in ${s.solverMs.toFixed(1)} ms by ${s.engine ?? 'an unrecorded engine'}`);
  });

solveOptions(program.command('sweep <taskset>').description('value against attention over budgets from the least feasible to every task at its cap'))
  .option('--points <k>', 'budgets to solve at', num, 20)
  .action(async (ref: string, o) => {
    const sw = await open().call('solve/sweep', { taskSetId: await taskSetId(ref), points: o.points, ...solveParams(o) });
    if (o.json) return json(sw);
    if (!sw.points.length) return out('no budget makes this task set feasible (its floors, caps, time budget or share cap conflict)');
    out(`policy ${sw.policy}: least feasible budget ${fmt(sw.leastBudget)}, every task at its cap ${fmt(sw.totalAttention)}`);
    out(table(['budget', 'status', 'value Σ w·π', 'attention', 'shadow price'], sw.points.map((p) => [p.budget, p.status, p.value, p.attention, p.dual])));
  });

/** A run's progress as one bar on standard error. */
function showRunProgress(l: Lab): () => void {
  const tty = process.stderr.isTTY;
  let last = '';
  const on = (e: ProgressEvent) => {
    if (e.kind !== 'run') return;
    const frac = e.total ? e.done / e.total : 0, width = 24;
    const bar = e.total ? ` [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${Math.floor(frac * 100)}%` : '';
    const line = `run ${e.runId}: ${e.phase}${bar} ${e.message}`;
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (e.phase !== last) process.stderr.write(`${line}\n`); // a log, not a flood: one line per phase
    last = e.phase;
  };
  l.events.on('progress', on);
  return () => {
    l.events.off('progress', on);
    if (tty) process.stderr.write('\r\x1b[K');
  };
}

/** A run's status and its per-task results at its last epoch. */
async function printRun(runId: number): Promise<void> {
  const r = await open().call('runs/get', { id: runId });
  const points = await open().call('runs/metrics', { id: runId });
  const c = r.config as { model?: string; epochs?: number; policy?: string; tasks?: { name: string; pi: number }[]; initFrom?: number | null };
  out(`run ${r.id} '${r.name}' — ${r.status}${r.error && r.status !== 'completed' ? `: ${r.error}` : ''}`);
  out(`${c.model} model, ${c.policy} allocation, seed ${r.seed}, ${c.epochs} epochs${c.initFrom ? `, from run ${c.initFrom}` : ''}; backend ${r.backend ?? '(not started)'}`);
  const last = points.reduce((m, p) => Math.max(m, p.epoch), -1);
  if (last < 0) return out('no metrics logged yet');
  const at = (task: string, metric: string, epoch = last) => points.find((p) => p.epoch === epoch && p.task === task && p.metric === metric)?.value ?? null;
  const pct = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`);
  const rows = (c.tasks ?? []).map((t) => [t.name, t.pi, at(t.name, 'attention'), pct(at(t.name, 'val.accuracy')), pct(at(t.name, 'test.accuracy')), pct(at(t.name, 'test.f1')), pct(at(t.name, 'test.majority', 0))]);
  out(`after epoch ${last}:`);
  out(table(['task', 'π', 'attention (tokens)', 'val acc', 'test acc', 'test macro-F1', 'majority'], rows));
  const speed = at('', 'samples_per_s');
  if (speed !== null) out(`${Math.round(speed).toLocaleString('en-US')} samples/s`);
}

/** Waits for runs in this process, with a progress bar; Ctrl+C leaves them interrupted (resumable). */
async function follow(runIds: number[]): Promise<void> {
  const l = open();
  const stop = showRunProgress(l);
  const onInt = () => {
    stop();
    l.close(); // marks the runs interrupted and kills their trainers
    lab = undefined;
    process.stderr.write(`interrupted: \`runs resume ${runIds.join(' ')}\` continues from the last checkpoint\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInt);
  try {
    for (const rid of runIds) {
      await l.runs.wait(rid);
      stop();
      await printRun(rid);
      const r = await l.call('runs/get', { id: rid });
      if (r.status !== 'completed') process.exitCode = 1;
    }
  } finally {
    process.off('SIGINT', onInt);
    stop();
  }
}

solveOptions(program.command('run <taskset>').description('train on a task set (by id or name) with the allocation of a policy; one run per seed'))
  .option('--solve <id>', 'use this stored solve instead of solving now', (v) => id(v))
  .option('--epochs <n>', 'epochs', num, 5)
  .option('--seed <n>', 'seed', num, 1)
  .option('--seeds <list>', 'several seeds, e.g. 1,2,3 (one run each, queued)')
  .addOption(new Option('--model <kind>', 'encoder').choices(['bag', 'cnn', 'transformer']).default('bag'))
  .option('--dim <n>', 'embedding dimension', num)
  .option('--hidden <n>', 'hidden units', num)
  .option('--lr <rate>', 'learning rate (Adam)', num)
  .option('--vocab-size <n>', 'vocabulary size', num)
  .option('--threads <n>', 'threads per run (bag model, pure-JS backend; the same numbers for any count)', (v) => count('--threads', v))
  .option('--init-from <run>', "start from this run's checkpoint (encoder and same-named heads)", (v) => id(v))
  .option('--name <name>', 'run name')
  .option('--tag <tag...>', 'tags')
  .option('--detach', 'queue and return (serve or the app trains queued runs), instead of training here')
  .action(async (ref: string, o) => {
    const seeds = o.seeds ? String(o.seeds).split(',').map((x: string) => num(x.trim())) : [o.seed];
    const input: Record<string, unknown> = { taskSetId: await taskSetId(ref), ...solveParams(o), epochs: o.epochs, seeds, model: o.model };
    for (const k of ['dim', 'hidden', 'lr', 'vocabSize', 'threads', 'initFrom', 'name']) if (o[k] !== undefined) input[k] = o[k];
    if (o.solve) input.solveId = o.solve;
    if (o.tag) input.tags = o.tag;
    const created = await open().call('runs/start', input);
    if (o.json) {
      await Promise.all(created.map((r) => open().runs.wait(r.id)));
      return json(await Promise.all(created.map(async (r) => ({ run: await open().call('runs/get', { id: r.id }), metrics: await open().call('runs/metrics', { id: r.id }) }))));
    }
    out(`queued run${created.length > 1 ? 's' : ''} ${created.map((r) => r.id).join(', ')}`);
    await follow(created.map((r) => r.id));
  });

const runs = program.command('runs').description('training runs');
runs
  .command('show <id>')
  .description("a run's config, status and per-task results")
  .option('--json', 'print JSON (the run and its metric points)')
  .action(async (rid: string, o) => {
    if (o.json) return json({ run: await open().call('runs/get', { id: id(rid) }), metrics: await open().call('runs/metrics', { id: id(rid) }) });
    await printRun(id(rid));
  });
runs
  .command('cancel <id>')
  .description('stop a queued or training run (also one training in another lab process)')
  .action(async (rid: string) => {
    const r = await open().call('runs/cancel', { id: id(rid) });
    out(`run ${r.id} ${r.status}`);
  });
runs
  .command('resume <id>')
  .description('continue an interrupted, failed or cancelled run from its latest checkpoint, here')
  .action(async (rid: string) => {
    await open().call('runs/resume', { id: id(rid) });
    await follow([id(rid)]);
  });
runs
  .command('delete [ids...]')
  .description('delete stopped runs with their metrics and checkpoint files (by id, or every run --query matches)')
  .option('-q, --query <query>', 'every run this query matches (as in runs list)')
  .action(async (rids: string[], o) => {
    if (!rids.length && o.query === undefined) throw new LabError('invalid_input', 'name the runs to delete, or give --query');
    if (rids.length === 1 && o.query === undefined) {
      await open().call('runs/delete', { id: id(rids[0]) });
      return out(`run ${rids[0]} deleted`);
    }
    const r = await open().call('runs/deleteMany', rids.length ? { ids: rids.map(id) } : { q: o.query });
    out(`${r.deleted} run${r.deleted === 1 ? '' : 's'} deleted${r.skipped.length ? `; still training, left alone: ${r.skipped.join(', ')}` : ''}`);
  });
runs
  .command('tag <ids...>')
  .description('add (+tag) and remove (-tag) tags on many runs: runs tag 5 6 7 +best -draft')
  .action(async (args: string[]) => {
    const ids = args.filter((a) => !/^[+-]/.test(a)).map(id);
    const r = await open().call('runs/tag', { ids, add: args.filter((a) => a.startsWith('+')).map((a) => a.slice(1)), remove: args.filter((a) => a.startsWith('-')).map((a) => a.slice(1)) });
    out(`${r.changed} run${r.changed === 1 ? '' : 's'} changed`);
  });
runs
  .command('list')
  .description('runs, filtered, searched and sorted in the database')
  .addOption(new Option('--status <status>', 'only runs in this status').choices(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']))
  .option('-q, --query <query>', "e.g. 'policy:lp seed:1 test.accuracy>0.9 words' (config fields, seed, id:5..9, status, tag, set, name; a dotted name is a final metric)")
  .option('--sort <column>', 'id, name, status, seed, createdAt, duration, tags, notes, taskSet, policy, final, config:FIELD', 'id')
  .option('--desc', 'largest first')
  .option('--metric <name>', 'the final metric shown (and sorted by with --sort final)', 'test.accuracy')
  .option('--columns <fields>', 'config fields to show, comma-separated')
  .option('--limit <n>', 'at most this many rows', (v) => Math.floor(num(v)), 1000)
  .option('--json', 'print JSON')
  .action(async (o) => {
    const { total, rows } = await open().call('runs/list', { ...(o.status ? { status: o.status } : {}), q: o.query, sort: o.sort, desc: !!o.desc, metric: o.metric, limit: o.limit, columns: o.columns ? o.columns.split(',') : [] });
    if (o.json) return json({ total, rows });
    if (!rows.length) return out(o.query || o.status ? 'no run matches' : 'no runs yet');
    out(table(['id', 'name', 'status', 'seed', 'set', ...(o.columns ? o.columns.split(',') : []), o.metric, 'created', 'tags'], rows.map((r) => [r.id, r.name, r.status, r.seed, r.taskSet, ...Object.values(r.columns), r.final, r.createdAt, r.tags.join(',')])));
    if (total > rows.length) out(`${rows.length} of ${total} runs shown (--limit N for more)`);
  });

program
  .command('compare <runs...>')
  .description('compare runs: the final table (best marked, gain per million tokens), what differs, and optionally the chart as PNG')
  .option('--metric <name>', 'metric to compare', 'test.accuracy')
  .addOption(new Option('--x <axis>', 'x-axis of the chart').choices(['epoch', 'attention', 'wallMs']).default('epoch'))
  .option('--group-by <field>', 'average runs into mean ± std bands by policy, model, seed, taskSet or any config field')
  .option('--per-task', 'one chart per task (with --png: FILE-TASK.png each)')
  .option('--smoothing <s>', 'EMA smoothing of the chart, 0 to 0.95', num, 0)
  .option('--png <file>', 'write the chart as a PNG (rendered here, no app needed)')
  .option('--json', 'print JSON')
  .action(async (refs: string[], o) => {
    const c = await open().call('runs/compare', { ids: refs.map(id), metric: o.metric, x: o.x, groupBy: o.groupBy ?? null, perTask: !!o.perTask });
    if (o.png) {
      const { renderComparisonPng } = await import('../compare/render'); // resvg and echarts load only when asked for
      const tasks = o.perTask ? c.tasks : [''];
      for (const task of tasks) {
        const file = task ? o.png.replace(/(\.png)?$/i, `-${task}.png`) : o.png;
        writeFileSync(file, renderComparisonPng(c, { smoothing: o.smoothing, raw: false, task }));
        process.stderr.write(`wrote ${file}\n`);
      }
    }
    if (o.json) return json(c);
    out(`${c.metric} at each run's last epoch${c.groupBy ? `, grouped by ${c.groupBy}` : ''}:`);
    out(table(['run', 'group', 'seed', 'epochs', ...c.tasks, 'mean', 'attention', 'gain/M tokens', ''], c.runs.map((r) => [r.id, r.group, r.seed, r.epochs, ...c.tasks.map((t) => r.final[t]), r.mean, r.attention, r.gainPerMTokens, r.best ? 'best' : ''])));
    if (c.groupBy) {
      const last = c.series.filter((s) => s.task === '').map((s) => [s.group, s.n.at(-1), s.mean.at(-1), s.std.at(-1)]);
      out(table(['group', 'runs', `final ${c.metric} mean`, 'std'], last));
    }
    for (const w of c.warnings) out(`note: ${w}`);
    out(c.diff.length ? `what differs: ${c.diff.map((d) => `${d.field} (${d.values.map((v) => `${v.group}: ${v.value}`).join(', ')})`).join('; ')}` : 'what differs: nothing');
  });

program
  .command('study <taskset>')
  .description('pilot, learning-curve fits, every policy over several seeds, and a Markdown report with charts')
  .option('--budget <A>', "attention budget per epoch (default: the task set's)", num)
  .option('--policies <list>', 'policies to compare', 'uniform,size,temperature,seed-formula,lp,curve')
  .option('--seeds <n>', 'seeds per policy (1..n)', num, 3)
  .option('--epochs <n>', 'epochs per run', num, 5)
  .option('--pilot-epochs <n>', 'epochs of the uniform pilot run', num, 4)
  .option('--pilot-fraction <f>', "the pilot's attention as a share of one study run's", num, 0.25)
  .addOption(new Option('--model <kind>', 'encoder').choices(['bag', 'cnn', 'transformer']).default('bag'))
  .requiredOption('--report <dir>', 'folder for report.md and its charts')
  .action(async (ref: string, o) => {
    const { runStudy } = await import('../study');
    const l = open();
    const stop = showRunProgress(l);
    try {
      const r = await runStudy(l, {
        taskSetId: await taskSetId(ref), budget: o.budget, policies: String(o.policies).split(',').map((x: string) => x.trim()) as never,
        seeds: Array.from({ length: o.seeds }, (_, i) => i + 1), epochs: o.epochs, pilotEpochs: o.pilotEpochs, pilotFraction: o.pilotFraction, report: resolve(o.report), model: o.model,
      }, (line) => { stop(); process.stderr.write(`${line}\n`); });
      stop();
      out(r.markdown);
      process.stderr.write(`wrote ${join(resolve(o.report), 'report.md')}\n`);
    } finally {
      stop();
    }
  });

program
  .command('import')
  .description('bring in results kept elsewhere')
  .command('mlflow <path>')
  .description('an MLflow file store (the mlruns folder) or SQLite tracking database (mlflow.db); importing again adds nothing')
  .action(async (path: string) => {
    const l = open();
    const stop = showProgress(l);
    try {
      const r = await l.call('runs/importMlflow', { path: resolve(path) });
      stop();
      out(`imported ${r.runs} run(s) with ${r.points.toLocaleString('en-US')} metric points into ${r.experiments} new experiment(s)${r.alreadyThere ? `; ${r.alreadyThere} run(s) were there already` : ''}`);
      for (const p of r.problems) process.stderr.write(`skipped ${p}\n`);
      if (r.problems.length) process.exitCode = 1;
    } finally {
      stop();
    }
  });

const exporting = program.command('export').description('export stored results');
exporting
  .command('mlflow <dir>')
  .description('write runs as an MLflow file store that MLflow reads (mlflow ui --backend-store-uri DIR)')
  .option('--runs <ids>', 'comma-separated run ids (default: every run)')
  .action(async (dir: string, o) => {
    const l = open();
    const ids = o.runs ? String(o.runs).split(',').map((s) => id(s.trim())) : (await l.call('runs/list', { desc: false, limit: 1, withIds: true })).ids!;
    if (!ids.length) throw new LabError('invalid_input', 'there are no runs to export');
    const r = await l.call('runs/exportMlflow', { ids, dir: resolve(dir) });
    out(`wrote ${r.runs} run(s) with ${r.points.toLocaleString('en-US')} metric points in ${r.experiments} experiment(s) to ${resolve(dir)}`);
  });
exporting
  .command('run <id>')
  .description("a run's config and metric points")
  .addOption(new Option('--format <format>', 'file format').choices(['json', 'csv']).default('json'))
  .option('--out <file>', 'write to this file instead of standard output')
  .action(async (rid: string, o) => {
    const file = await open().call('runs/export', { id: id(rid), format: o.format });
    if (o.out) {
      writeFileSync(o.out, file.body);
      process.stderr.write(`wrote ${o.out}\n`);
    } else process.stdout.write(file.body);
  });

program
  .command('serve')
  .description('serve the app to a browser on 127.0.0.1 (the URL carries a per-start token)')
  .option('--port <port>', 'port (default: a free one)', (v) => id(v))
  .option('--renderer <dir>', 'built renderer folder (default: the build in this install; made on first serve)')
  .action(async (o) => {
    const rendererDir = resolve(o.renderer ?? fileURLToPath(new URL('../../out/renderer', import.meta.url)));
    ensureRenderer(rendererDir, o.renderer === undefined, (line) => process.stderr.write(`${line}\n`));
    const l = open();
    if (l.interruptedAtStart) process.stderr.write(`${l.interruptedAtStart} run(s) left training by a stopped lab marked interrupted (resumable)\n`);
    const served = await serve({ lab: l, rendererDir, port: o.port }).catch((e) => {
      throw e instanceof LabError && e.code === 'conflict' ? new LabError('conflict', `${e.message}: choose another with --port, or leave it out for a free one`) : e;
    });
    out(`Attention Lab is serving on ${served.url}\nopen that URL in a browser; Ctrl+C stops it`);
    out(`scripts that log to MLflow log here after:\n${l.tracking!.status().exports}`);
    await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
    await served.close();
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // A LabError is the user's to act on; anything else is the lab's fault: said in one line,
  // with the stack only when asked for (ATTENTION_LAB_DEBUG=1).
  const err = e as Error & { code?: string };
  const words = e instanceof LabError ? e.message : `${err.message ?? String(e)}${err.code && !String(err.message).includes(err.code) ? ` (${err.code})` : ''}`;
  process.stderr.write(`error: ${words}\n`);
  if (!(e instanceof LabError)) process.stderr.write(process.env.ATTENTION_LAB_DEBUG ? `${err.stack}\n` : 'this is a fault of the lab: set ATTENTION_LAB_DEBUG=1 to see where it happened, and report it\n');
  process.exitCode = e instanceof LabError ? 1 : 70;
} finally {
  lab?.close();
}
