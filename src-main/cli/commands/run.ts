import type { Command } from 'commander';
import type { MetricPoint, Run } from '../../api/schemas';
import { type CliContext, count, id, json, num } from '../context';
import { table } from '../format';
import { showRunProgress } from '../progress';
import { solveOptions, solveParams } from './solve';
import { modelOption, taskSetId } from './taskSet';

/** A run's status and its per-task results at its last epoch. */
export function runText(r: Run, points: MetricPoint[]): string {
  const c = r.config; // a run a script logged has the params it logged, as strings: those of these it has
  const lines = [
    `run ${r.id} '${r.name}' — ${r.status}${r.error && r.status !== 'completed' ? `: ${r.error}` : ''}`,
    `${c.model} model, ${c.policy} allocation, seed ${r.seed}, ${c.epochs} epochs${c.initFrom ? `, from run ${c.initFrom}` : ''}; backend ${r.backend ?? '(not started)'}`,
  ];
  const last = points.reduce((m, p) => Math.max(m, p.epoch), -1);
  if (last < 0) return [...lines, 'no metrics logged yet'].join('\n');
  const at = (task: string, metric: string, epoch = last) => points.find((p) => p.epoch === epoch && p.task === task && p.metric === metric)?.value ?? null;
  const pct = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`);
  const rows = (r.source === 'lab' ? r.config.tasks : []).map((t) => [t.name, t.pi, at(t.name, 'attention'), pct(at(t.name, 'val.accuracy')), pct(at(t.name, 'test.accuracy')), pct(at(t.name, 'test.f1')), pct(at(t.name, 'test.majority', 0))]);
  lines.push(`after epoch ${last}:`, table(['task', 'π', 'attention (tokens)', 'val acc', 'test acc', 'test macro-F1', 'majority'], rows));
  const speed = at('', 'samples_per_s');
  if (speed !== null) lines.push(`${Math.round(speed).toLocaleString('en-US')} samples/s`);
  return lines.join('\n');
}

export async function printRun(ctx: CliContext, runId: number): Promise<void> {
  ctx.out(runText(await ctx.open().call('runs/get', { id: runId }), await ctx.open().call('runs/metrics', { id: runId })));
}

/** Waits for runs in this process, with a progress bar; Ctrl+C leaves them interrupted (resumable). */
export async function follow(ctx: CliContext, runIds: number[]): Promise<void> {
  const l = ctx.open();
  const stop = showRunProgress(ctx);
  const onInt = () => {
    stop();
    l.close(); // marks the runs interrupted and kills their trainers
    ctx.err(`interrupted: \`runs resume ${runIds.join(' ')}\` continues from the last checkpoint\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInt);
  try {
    for (const rid of runIds) {
      await l.runs.wait(rid);
      stop();
      await printRun(ctx, rid);
      const r = await l.call('runs/get', { id: rid });
      if (r.status !== 'completed') ctx.exitCode(1);
    }
  } finally {
    process.off('SIGINT', onInt);
    stop();
  }
}

export function runCommand(program: Command, ctx: CliContext): void {
  solveOptions(program.command('run <taskset>').description('train on a task set (by id or name) with the allocation of a policy; one run per seed'))
    .option('--solve <id>', 'use this stored solve instead of solving now', (v) => id(v))
    .option('--epochs <n>', 'epochs', num, 5)
    .option('--seed <n>', 'seed', num, 1)
    .option('--seeds <list>', 'several seeds, e.g. 1,2,3 (one run each, queued)')
    .addOption(modelOption('encoder'))
    .option('--dim <n>', 'embedding dimension', num)
    .option('--hidden <n>', 'hidden units', num)
    .option('--lr <rate>', 'learning rate (Adam)', num)
    .option('--vocab-size <n>', 'vocabulary size', num)
    .option('--threads <n>', 'threads per run (bag model, pure-JS backend; the same numbers for any count)', (v) => count('--threads', v))
    .option('--init-from <run>', "start from this run's checkpoint (encoder and same-named heads)", (v) => id(v))
    .option('--name <name>', 'run name')
    .option('--tag <tag...>', 'tags')
    .action(async (ref: string, o) => {
      const seeds = o.seeds ? String(o.seeds).split(',').map((x: string) => num(x.trim())) : [o.seed];
      const input: Record<string, unknown> = { taskSetId: await taskSetId(ctx, ref), ...solveParams(o), epochs: o.epochs, seeds, model: o.model };
      for (const k of ['dim', 'hidden', 'lr', 'vocabSize', 'threads', 'initFrom', 'name']) if (o[k] !== undefined) input[k] = o[k];
      if (o.solve) input.solveId = o.solve;
      if (o.tag) input.tags = o.tag;
      const lab = ctx.open();
      const created = await lab.call('runs/start', input);
      if (o.json) {
        await Promise.all(created.map((r) => lab.runs.wait(r.id)));
        return json(ctx, await Promise.all(created.map(async (r) => ({ run: await lab.call('runs/get', { id: r.id }), metrics: await lab.call('runs/metrics', { id: r.id }) }))));
      }
      ctx.out(`queued run${created.length > 1 ? 's' : ''} ${created.map((r) => r.id).join(', ')}`);
      await follow(ctx, created.map((r) => r.id));
    });
}
