import { type Command, Option } from 'commander';
import { LabError } from '../../api/errors';
import { ModelKind, type TaskSet } from '../../api/schemas';
import { type CliContext, json, num } from '../context';
import { readJsonFile } from '../files';
import { fmt, table } from '../format';
import { showProgress } from '../progress';

/** A task set's tasks; measured costs carry a mark. */
export function taskSetText(s: TaskSet): string {
  const lines = [`task set ${s.id} '${s.name}'  budget A = ${s.budget}${s.timeBudget ? `  time budget = ${s.timeBudget} s` : ''}`];
  if (s.description) lines.push(s.description);
  const m = (v: number, measured: boolean) => `${fmt(v)}${measured ? ' *' : ''}`;
  lines.push(table(['task', 'a', 't (s)', 'w', 'floor', 'cap', 'n', 'data set'], s.tasks.map((t) => [t.name, m(t.attentionCost, t.attentionMeasured), m(t.timeCost, t.timeMeasured), t.weight, t.floor, t.cap, t.examples, t.datasetName])));
  if (s.tasks.some((t) => t.attentionMeasured || t.timeMeasured)) lines.push('* measured (a: training tokens; t: seconds per full training pass, see `task-set profile`)');
  return lines.join('\n');
}

/** A task set named by id or by name. */
export async function taskSetId(ctx: CliContext, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const match = (await ctx.open().call('taskSets/list', {})).find((s) => s.name === ref);
  if (!match) throw new LabError('not_found', `no task set named '${ref}' (see \`task-set list\`)`);
  return match.id;
}

/** --model, the encoder a command trains or times. */
export const modelOption = (what: string) => new Option('--model <kind>', what).choices(ModelKind.options).default('bag');

export function taskSetCommands(program: Command, ctx: CliContext): void {
  const taskSet = program.command('task-set').description('task sets: tasks with attention cost a, time t, weight w, and a budget');
  taskSet
    .command('create <file>')
    .description('store a task set from a JSON file ({ name, budget, timeBudget?, tasks: [{ name, attentionCost, timeCost, weight, floor, cap, examples?, dataset? }] })')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const set = await ctx.open().call('taskSets/create', readJsonFile(file));
      if (o.json) return json(ctx, set);
      ctx.out(`created task set ${set.id} '${set.name}' with ${set.tasks.length} tasks, budget ${set.budget}`);
    });
  taskSet
    .command('list')
    .description('all task sets')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const sets = await ctx.open().call('taskSets/list', {});
      if (o.json) return json(ctx, sets);
      if (!sets.length) return ctx.out('no task sets yet: create one with `task-set create FILE.json`');
      ctx.out(table(['id', 'name', 'tasks', 'budget', 'time budget', 'total attention'], sets.map((s) => [s.id, s.name, s.taskCount, s.budget, s.timeBudget, s.totalAttention])));
    });
  taskSet
    .command('show <id>')
    .description('one task set (by id or name) with its tasks')
    .option('--json', 'print JSON')
    .action(async (ref: string, o) => {
      const s = await ctx.open().call('taskSets/get', { id: await taskSetId(ctx, ref) });
      if (o.json) return json(ctx, s);
      ctx.out(taskSetText(s));
    });
  taskSet
    .command('profile <id>')
    .description("measure a task set's costs: a_i = training tokens, t_i = seconds per full pass on this machine's backend")
    .addOption(modelOption('encoder to time'))
    .option('--batch-size <B>', 'examples per batch', num, 32)
    .option('--batches <k>', 'timed batches per task', num, 8)
    .option('--json', 'print JSON')
    .action(async (ref: string, o) => {
      const stop = showProgress(ctx);
      const s = await ctx.open().call('taskSets/profile', { id: await taskSetId(ctx, ref), model: o.model, batchSize: o.batchSize, batches: o.batches });
      stop();
      if (o.json) return json(ctx, s);
      ctx.out(taskSetText(s));
    });
}
