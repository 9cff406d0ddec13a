import { type Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LabError } from '../../api/errors';
import { type CliContext, id } from '../context';
import { showProgress } from '../progress';

/** `import` and `export`: results kept elsewhere in, stored results out. */
export function transferCommands(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('bring in results kept elsewhere')
    .command('mlflow <path>')
    .description('an MLflow file store (the mlruns folder) or SQLite tracking database (mlflow.db); importing again adds nothing')
    .action(async (path: string) => {
      const stop = showProgress(ctx);
      try {
        const r = await ctx.open().call('runs/importMlflow', { path: resolve(path) });
        stop();
        ctx.out(`imported ${r.runs} run(s) with ${r.points.toLocaleString('en-US')} metric points into ${r.experiments} new experiment(s)${r.alreadyThere ? `; ${r.alreadyThere} run(s) were there already` : ''}`);
        for (const p of r.problems) ctx.err(`skipped ${p}\n`);
        if (r.problems.length) ctx.exitCode(1);
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
      const l = ctx.open();
      const ids = o.runs ? String(o.runs).split(',').map((s) => id(s.trim())) : (await l.call('runs/list', { desc: false, limit: 1, withIds: true })).ids!;
      if (!ids.length) throw new LabError('invalid_input', 'there are no runs to export');
      const r = await l.call('runs/exportMlflow', { ids, dir: resolve(dir) });
      ctx.out(`wrote ${r.runs} run(s) with ${r.points.toLocaleString('en-US')} metric points in ${r.experiments} experiment(s) to ${resolve(dir)}`);
    });
  exporting
    .command('run <id>')
    .description("a run's config and metric points")
    .addOption(new Option('--format <format>', 'file format').choices(['json', 'csv']).default('json'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (rid: string, o) => {
      const file = await ctx.open().call('runs/export', { id: id(rid), format: o.format });
      if (o.out) {
        writeFileSync(o.out, file.body);
        ctx.err(`wrote ${o.out}\n`);
      } else ctx.write(file.body);
    });
}
