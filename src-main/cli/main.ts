import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../server';
import { markInterrupted } from '../store';
import { LabError } from '../api/errors';
import { Lab } from '../lab';
import { defaultDbPath } from '../store/db';
import { readJsonFile } from './files';
import { bytes, table } from './format';

/** The CLI door: each command is one or more contract calls, printed for a terminal (or as JSON). */
const program = new Command('attention-lab')
  .description('Attention Lab: solve training-budget allocations across tasks, train, and compare runs.')
  .option('--db <path>', 'database file (default: $ATTENTION_LAB_DB, else the XDG data folder)')
  .showHelpAfterError();

let lab: Lab | undefined;
function open(): Lab {
  lab ??= new Lab(program.opts().db ? resolve(program.opts().db) : defaultDbPath());
  return lab;
}
const out = (s: string): void => void process.stdout.write(s.endsWith("\n") ? s : s + "\n");
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));
const id = (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new LabError('invalid_input', `'${s}' is not an id (a positive whole number)`);
  return n;
};

const db = program.command('db').description('the experiment database');
db.command('info')
  .description('where the database is, its schema version and what it holds')
  .option('--json', 'print JSON')
  .action(async (o) => {
    const info = await open().call('db/info', {});
    if (o.json) return json(info);
    out(`database  ${info.path}\nschema    version ${info.schemaVersion}\nsize      ${bytes(info.sizeBytes)}\n`);
    out(table(['table', 'rows'], Object.entries(info.counts)));
  });

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
taskSet
  .command('show <id>')
  .description('one task set with its tasks')
  .option('--json', 'print JSON')
  .action(async (sid: string, o) => {
    const s = await open().call('taskSets/get', { id: id(sid) });
    if (o.json) return json(s);
    out(`task set ${s.id} '${s.name}'  budget A = ${s.budget}${s.timeBudget ? `  time budget = ${s.timeBudget} s` : ''}`);
    if (s.description) out(s.description);
    out(table(['task', 'a', 't', 'w', 'floor', 'cap', 'n', 'data set'], s.tasks.map((t) => [t.name, t.attentionCost, t.timeCost, t.weight, t.floor, t.cap, t.examples, t.datasetName])));
  });

const runs = program.command('runs').description('training runs');
runs
  .command('list')
  .description('all runs')
  .addOption(new Option('--status <status>', 'only runs in this status').choices(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']))
  .option('--json', 'print JSON')
  .action(async (o) => {
    const list = await open().call('runs/list', o.status ? { status: o.status } : {});
    if (o.json) return json(list);
    if (!list.length) return out('no runs yet');
    out(table(['id', 'name', 'status', 'seed', 'backend', 'created', 'tags'], list.map((r) => [r.id, r.name, r.status, r.seed, r.backend, r.createdAt, r.tags.join(',')])));
  });

program
  .command('export')
  .description('export stored results')
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
  .option('--renderer <dir>', 'built renderer folder', fileURLToPath(new URL('../../out/renderer', import.meta.url)))
  .action(async (o) => {
    const l = open();
    const marked = markInterrupted(l.db);
    if (marked) process.stderr.write(`${marked} run(s) left running by a stopped lab marked interrupted\n`);
    const served = await serve({ lab: l, rendererDir: resolve(o.renderer), port: o.port });
    out(`Attention Lab is serving on ${served.url}\nopen that URL in a browser; Ctrl+C stops it`);
    await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
    await served.close();
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`error: ${e instanceof LabError ? e.message : (e as Error).stack}\n`);
  process.exitCode = e instanceof LabError ? 1 : 70;
} finally {
  lab?.close();
}
