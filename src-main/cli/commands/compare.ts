import { type Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { LabError } from '../../api/errors';
import type { Aggregate, Comparison } from '../../api/schemas';
import { X_LABEL } from '../../compare/chart';
import { type CliContext, id, json, num } from '../context';
import { table } from '../format';

/** `compare`'s words for the bands (what analysts call them) and the API's. */
export const AGGREGATES: Record<string, Aggregate> = { 'mean-std': 'std', 'mean-ci95': 'ci95', 'median-iqr': 'iqr', 'min-max': 'minmax' };

/** The band's column in the group table. */
const BAND: Record<Aggregate, string> = { std: 'std', ci95: '95 % interval', iqr: 'interquartile range', minmax: 'min–max' };

/** `--x-range FROM:TO` (either end may be left out: `3:` or `:10`) in the x-axis' units. */
export function parseRange(v: string): [number, number] {
  const m = /^\s*(-?[\d.e+]*)\s*:\s*(-?[\d.e+]*)\s*$/i.exec(v);
  const end = (s: string | undefined, open: number) => (s ? Number(s) : open);
  const r = m ? ([end(m[1], -Infinity), end(m[2], Infinity)] as [number, number]) : null;
  if (!r || r.some(Number.isNaN) || !(r[0] < r[1]))
    throw new LabError('invalid_input', `--x-range: '${v.slice(0, 30)}' is not FROM:TO with FROM below TO (e.g. 3:10, 3: or :10)`);
  return r;
}

/**
 * Per group: its centre line and band at the last point inside the range (the whole
 * curve: its last point), in the words of the aggregate asked for.
 */
function groupTable(c: Comparison, range: [number, number] | null): string {
  const [from, to] = range ?? [-Infinity, Infinity];
  const scale = c.x === 'wallMs' ? 1 / 1000 : 1; // the range is in the chart's units: seconds of wall time
  const centre = c.aggregate === 'iqr' ? 'median' : 'mean';
  const where = range ? ` at the last ${X_LABEL[c.x]} in ${Number.isFinite(from) ? from : ''}:${Number.isFinite(to) ? to : ''}` : ' final';
  const rows = c.series.filter((s) => s.task === '').map((s) => {
    const i = s.x.findLastIndex((v) => v * scale >= from && v * scale <= to);
    if (i < 0) return [s.group, null, null, null, 'no point in range'];
    const band = c.aggregate === 'std' ? s.std[i] : `${(s.lo?.[i] ?? NaN).toFixed(3)}–${(s.hi?.[i] ?? NaN).toFixed(3)}`;
    return [s.group, s.n[i], s.x[i] * scale, s.mean[i], band];
  });
  return table(['group', 'runs', X_LABEL[c.x], `${c.metric}${where} (${centre})`, BAND[c.aggregate]], rows);
}

/** The final table (best marked, gain per million tokens), the groups at the range's last point, notes and what differs. */
export function comparisonText(c: Comparison, range: [number, number] | null = null): string {
  const lines = [
    `${c.metric} at each run's last epoch${c.groupBy ? `, grouped by ${c.groupBy}` : ''}:`,
    table(['run', 'group', 'seed', 'epochs', ...c.tasks, 'mean', 'attention', 'gain/M tokens', ''], c.runs.map((r) => [r.id, r.group, r.seed, r.epochs, ...c.tasks.map((t) => r.final[t]), r.mean, r.attention, r.gainPerMTokens, r.best ? 'best' : ''])),
  ];
  if (c.groupBy || range) lines.push(groupTable(c, range));
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
    .option('--group-by <field>', 'average runs into bands (see --aggregate) by policy, model, seed, taskSet or any config field')
    .option('--per-task', 'one chart per task (with --png: FILE-TASK.png each)')
    .option('--smoothing <s>', 'EMA smoothing of the chart, 0 to 0.95', num, 0)
    .addOption(new Option('--aggregate <how>', 'the band of each group').choices(Object.keys(AGGREGATES)).default('mean-std'))
    .option('--x-range <from:to>', 'only x from FROM to TO, in the x-axis units (epochs, tokens, seconds): the PNG draws that range, the group table reads its last point', parseRange)
    .option('--log', "the PNG's y-axis on a log scale")
    .option('--png <file>', 'write the chart as a PNG (rendered here, no app needed)')
    .option('--json', 'print JSON')
    .action(async (refs: string[], o) => {
      if (o.log && !o.png) throw new LabError('invalid_input', "--log sets the PNG's y-axis: add --png FILE");
      const c = await ctx.open().call('runs/compare', { ids: refs.map(id), metric: o.metric, x: o.x, groupBy: o.groupBy ?? null, perTask: !!o.perTask, aggregate: AGGREGATES[o.aggregate] });
      if (o.png) {
        const { renderComparisonPng } = await import('../../compare/render'); // resvg and echarts load only when asked for
        for (const task of o.perTask ? c.tasks : ['']) {
          const file = task ? o.png.replace(/(\.png)?$/i, `-${task}.png`) : o.png;
          writeFileSync(file, renderComparisonPng(c, { smoothing: o.smoothing, raw: false, task, logY: !!o.log, range: o.xRange ?? null }));
          ctx.err(`wrote ${file}\n`);
        }
      }
      if (o.json) return json(ctx, c);
      ctx.out(comparisonText(c, o.xRange ?? null));
    });
}
