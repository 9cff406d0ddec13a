import type { Command } from 'commander';
import type { DbInfo } from '../../api/schemas';
import { type CliContext, json } from '../context';
import { bytes, table } from '../format';

/** `db info`'s text: where the database is, its schema version, rows per table. */
export function dbInfoText(info: DbInfo): string {
  return `database  ${info.path}\nschema    version ${info.schemaVersion}\nsize      ${bytes(info.sizeBytes)}\n${table(['table', 'rows'], Object.entries(info.counts))}`;
}

export function dbCommands(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('the experiment database');
  db.command('compact')
    .description('rewrite the database file without its free pages (deleted runs give their space back); needs no run training')
    .action(async () => {
      const r = await ctx.open().call('db/compact', {});
      ctx.out(`compacted: ${bytes(r.before)} → ${bytes(r.after)}`);
    });
  db.command('info')
    .description('where the database is, its schema version and what it holds')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const info = await ctx.open().call('db/info', {});
      if (o.json) return json(ctx, info);
      ctx.out(dbInfoText(info));
    });
}
