import { type Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import type { Comparison } from '../../api/schemas';
import { type CliContext, id, json, num } from '../context';
import { table } from '../format';

/** The final table (best marked, gain per million tokens), the groups' last points, notes and what differs. */
export function comparisonText(c: Comparison): string {
  const lines = [
    `${c.metric} at each run's last epoch${c.groupBy ? `, grouped by ${c.groupBy}` : ''}:`,
    table(['run', 'group', 'seed', 'epochs', ...c.tasks, 'mean', 'attention', 'gain/M tokens', ''], c.runs.map((r) => [r.id, r.group, r.seed, r.epochs, ...c.tasks.map((t) => r.final[t]), r.mean, r.attention, r.gainPerMTokens, r.best ? 'best' : ''])),
  ];
  if (c.groupBy) {
    const last = c.series.filter((s) => s.task === '').map((s) => [s.group, s.n.at(-1), s.mean.at(-1), s.std.at(-1)]);
    lines.push(table(['group', 'runs', `final ${c.metric} mean`, 'std'], last));
  }
  for (const w of c.warnings) lines.push(`note: ${w}`);
  lines.push(c.diff.length ? `what differs: ${c.diff.map((d) => `${d.field} (${d.values.map((v) => `${v.group}: ${v.value}`).join(', ')})`).join('; ')}` : 'what differs: nothing');
  return lines.join('\n');
}

export function compareCommand(program: Command, ctx: CliContext): void {
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
      const c = await ctx.open().call('runs/compare', { ids: refs.map(id), metric: o.metric, x: o.x, groupBy: o.groupBy ?? null, perTask: !!o.perTask });
      if (o.png) {
        const { renderComparisonPng } = await import('../../compare/render'); // resvg and echarts load only when asked for
        for (const task of o.perTask ? c.tasks : ['']) {
          const file = task ? o.png.replace(/(\.png)?$/i, `-${task}.png`) : o.png;
          writeFileSync(file, renderComparisonPng(c, { smoothing: o.smoothing, raw: false, task }));
          ctx.err(`wrote ${file}\n`);
        }
      }
      if (o.json) return json(ctx, c);
      ctx.out(comparisonText(c));
    });
}
