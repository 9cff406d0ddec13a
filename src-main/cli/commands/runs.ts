import { type Command, Option } from 'commander';
import { LabError } from '../../api/errors';
import type { CallOutput } from '../../api/contract';
import { RunStatus } from '../../api/schemas';
import { type CliContext, id, json, num } from '../context';
import { table } from '../format';
import { follow, printRun } from './run';

/** `runs list`'s table: one row per run, the config columns asked for, the final metric. */
export function runListText(r: CallOutput<'runs/list'>, o: { columns: string[]; metric: string; filtered: boolean }): string {
  if (!r.rows.length) return o.filtered ? 'no run matches' : 'no runs yet';
  const text = table(['id', 'name', 'status', 'seed', 'set', ...o.columns, o.metric, 'created', 'tags'], r.rows.map((x) => [x.id, x.name, x.status, x.seed, x.taskSet, ...Object.values(x.columns), x.final, x.createdAt, x.tags.join(',')]));
  return r.total > r.rows.length ? `${text}\n${r.rows.length} of ${r.total} runs shown (--limit N for more)` : text;
}

const plural = (n: number, what: string) => `${n} run${n === 1 ? '' : 's'} ${what}`;

export function runsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('training runs');
  runs
    .command('show <id>')
    .description("a run's config, status and per-task results")
    .option('--json', 'print JSON (the run and its metric points)')
    .action(async (rid: string, o) => {
      if (o.json) return json(ctx, { run: await ctx.open().call('runs/get', { id: id(rid) }), metrics: await ctx.open().call('runs/metrics', { id: id(rid) }) });
      await printRun(ctx, id(rid));
    });
  runs
    .command('cancel <id>')
    .description('stop a queued or training run (also one training in another lab process)')
    .action(async (rid: string) => {
      const r = await ctx.open().call('runs/cancel', { id: id(rid) });
      ctx.out(`run ${r.id} ${r.status}`);
    });
  runs
    .command('resume <id>')
    .description('continue an interrupted, failed or cancelled run from its latest checkpoint, here')
    .action(async (rid: string) => {
      await ctx.open().call('runs/resume', { id: id(rid) });
      await follow(ctx, [id(rid)]);
    });
  runs
    .command('delete [ids...]')
    .description('delete stopped runs with their metrics and checkpoint files (by id, or every run --query matches)')
    .option('-q, --query <query>', 'every run this query matches (as in runs list)')
    .action(async (rids: string[], o) => {
      if (!rids.length && o.query === undefined) throw new LabError('invalid_input', 'name the runs to delete, or give --query');
      if (rids.length === 1 && o.query === undefined) {
        await ctx.open().call('runs/delete', { id: id(rids[0]) });
        return ctx.out(`run ${rids[0]} deleted`);
      }
      const r = await ctx.open().call('runs/deleteMany', rids.length ? { ids: rids.map(id) } : { q: o.query });
      ctx.out(`${plural(r.deleted, 'deleted')}${r.skipped.length ? `; still training, left alone: ${r.skipped.join(', ')}` : ''}`);
    });
  runs
    .command('tag <ids...>')
    .description('add (+tag) and remove (-tag) tags on many runs: runs tag 5 6 7 +best -draft')
    .action(async (args: string[]) => {
      const ids = args.filter((a) => !/^[+-]/.test(a)).map(id);
      const r = await ctx.open().call('runs/tag', { ids, add: args.filter((a) => a.startsWith('+')).map((a) => a.slice(1)), remove: args.filter((a) => a.startsWith('-')).map((a) => a.slice(1)) });
      ctx.out(plural(r.changed, 'changed'));
    });
  runs
    .command('list')
    .description('runs, filtered, searched and sorted in the database')
    .addOption(new Option('--status <status>', 'only runs in this status').choices(RunStatus.options))
    .option('-q, --query <query>', "e.g. 'policy:lp seed:1 test.accuracy>0.9 words' (config fields, seed, id:5..9, status, tag, set, name; a dotted name is a final metric)")
    .option('--sort <column>', 'id, name, status, seed, createdAt, duration, tags, notes, taskSet, policy, final, config:FIELD', 'id')
    .option('--desc', 'largest first')
    .option('--metric <name>', 'the final metric shown (and sorted by with --sort final)', 'test.accuracy')
    .option('--columns <fields>', 'config fields to show, comma-separated')
    .option('--limit <n>', 'at most this many rows', (v) => Math.floor(num(v)), 1000)
    .option('--json', 'print JSON')
    .action(async (o) => {
      const columns: string[] = o.columns ? o.columns.split(',') : [];
      const r = await ctx.open().call('runs/list', { ...(o.status ? { status: o.status } : {}), q: o.query, sort: o.sort, desc: !!o.desc, metric: o.metric, limit: o.limit, columns });
      if (o.json) return json(ctx, { total: r.total, rows: r.rows });
      ctx.out(runListText(r, { columns, metric: o.metric, filtered: !!(o.query || o.status) }));
    });
}
