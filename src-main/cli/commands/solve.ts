import { type Command, Option } from 'commander';
import { PolicyName, type Solve, type Sweep, type TaskSet } from '../../api/schemas';
import { type CliContext, json, num } from '../context';
import { readJsonFile } from '../files';
import { fmt, table } from '../format';
import { taskSetId } from './taskSet';

/** Options every solving command shares; solveParams reads them back. */
export function solveOptions(c: Command): Command {
  return c
    .addOption(new Option('--policy <name>', 'allocation policy').choices(PolicyName.options).default('lp'))
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

/** The SolveParams the solving options spell. */
export function solveParams(o: Record<string, unknown>) {
  const p: Record<string, unknown> = { policy: o.policy };
  for (const key of ['budget', 'timeBudget', 'temperature', 'shareCap', 'batchSize', 'units', 'timeLimit']) if (o[key] !== undefined) p[key] = o[key];
  if (o.curves) p.curves = readJsonFile(String(o.curves));
  return p as { policy: 'lp' };
}

/** A solve as a table of π per task (beside another policy's), its objective, duals and binding rows. */
export function solveText(set: TaskSet, s: Solve, versus: Solve | null): string {
  const lines = [`solve ${s.id}: task set '${set.name}', policy ${s.policy} — ${s.status}`];
  if (s.status === 'infeasible') return [...lines, `infeasible: ${s.explanation}`].join('\n');
  const rows = set.tasks.map((t, i) => [t.name, t.attentionCost, t.timeCost, t.weight, s.pi[i], ...(versus ? [versus.pi[i] ?? null] : []), s.counts[i], t.attentionCost * s.pi[i], t.timeCost * s.pi[i]]);
  const total = ['total', null, null, null, null, ...(versus ? [null] : []), s.counts.reduce((a, b) => a + b, 0), s.objective.attention, s.objective.time];
  lines.push(table(['task', 'a', 't', 'w', 'π', ...(versus ? [`π (${versus.policy})`] : []), 'c', 'attention', 'time'], [...rows, total]));
  const budget = s.params.budget as number;
  const timeBudget = s.params.timeBudget as number | null;
  lines.push(`objective Σ w·π = ${fmt(s.objective.value)}${versus ? `   (${versus.policy}: ${fmt(versus.objective.value)})` : ''}`);
  lines.push(`attention ${fmt(s.objective.attention)} of ${fmt(budget)}${timeBudget ? `, time ${fmt(s.objective.time)} of ${fmt(timeBudget)} s` : ''}`);
  if (s.duals.attention !== null) lines.push(`shadow price of attention ${fmt(s.duals.attention)} (value per extra attention unit)${s.duals.time !== null ? `, of time ${fmt(s.duals.time)}` : ''}`);
  if (s.objective.predictedAccuracy !== undefined) lines.push(`predicted weighted accuracy ${fmt(s.objective.predictedAccuracy)}`);
  lines.push(`binding: ${s.binding.length ? s.binding.join(', ') : 'none'}`);
  if (s.policy === 'seed-formula' && versus?.policy === 'lp')
    lines.push(`the seed's formula is a closed form, not an optimum: the LP optimum is Σ w·π = ${fmt(versus.objective.value)} against the formula's ${fmt(s.objective.value)}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(`c counts units per epoch (batches of ${s.params.batchSize} for tasks with data, 1/${s.params.units} of a pass otherwise); solved in ${s.solverMs.toFixed(1)} ms by ${s.engine ?? 'an unrecorded engine'}`);
  return lines.join('\n');
}

/** A sweep: value against attention from the least feasible budget to every task at its cap. */
export function sweepText(sw: Sweep): string {
  if (!sw.points.length) return 'no budget makes this task set feasible (its floors, caps, time budget or share cap conflict)';
  return `policy ${sw.policy}: least feasible budget ${fmt(sw.leastBudget)}, every task at its cap ${fmt(sw.totalAttention)}\n`
    + table(['budget', 'status', 'value Σ w·π', 'attention', 'shadow price'], sw.points.map((p) => [p.budget, p.status, p.value, p.attention, p.dual]));
}

export function solveCommands(program: Command, ctx: CliContext): void {
  solveOptions(program.command('solve <taskset>').description('solve the allocation π of a task set (by id or name) and store the solve'))
    .addOption(new Option('--versus <policy>', 'add a column with another policy\'s π (default for seed-formula: lp)').choices(PolicyName.options))
    .action(async (ref: string, o) => {
      const id = await taskSetId(ctx, ref);
      const s = await ctx.open().call('solve/run', { taskSetId: id, ...solveParams(o) });
      const versusPolicy = o.versus ?? (s.policy === 'seed-formula' ? 'lp' : undefined);
      const versus = versusPolicy ? await ctx.open().call('solve/run', { taskSetId: id, ...solveParams({ ...o, policy: versusPolicy }) }) : null;
      if (o.json) return json(ctx, versus ? { solve: s, versus } : s);
      ctx.out(solveText(await ctx.open().call('taskSets/get', { id }), s, versus));
      if (s.status === 'infeasible') ctx.exitCode(3);
    });

  solveOptions(program.command('sweep <taskset>').description('value against attention over budgets from the least feasible to every task at its cap'))
    .option('--points <k>', 'budgets to solve at', num, 20)
    .action(async (ref: string, o) => {
      const sw = await ctx.open().call('solve/sweep', { taskSetId: await taskSetId(ctx, ref), points: o.points, ...solveParams(o) });
      if (o.json) return json(ctx, sw);
      ctx.out(sweepText(sw));
    });
}
