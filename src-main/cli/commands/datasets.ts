import { type Command, Option } from 'commander';
import { resolve } from 'node:path';
import { LabError } from '../../api/errors';
import type { Dataset } from '../../api/schemas';
import { type CliContext, id, json } from '../context';
import { fmt, table } from '../format';
import { showProgress } from '../progress';

/** One data set: source, split, label balance, token lengths as a histogram. */
export function datasetText(d: Dataset): string {
  const lines = [`data set ${d.id} '${d.name}'  (${d.source}; ${d.tokenizer.kind} tokens, at most ${d.tokenizer.maxLength})`];
  if (d.description) lines.push(d.description);
  for (const n of d.notes) lines.push(`  · ${n}`);
  lines.push('split' + ('seed' in d.split ? `: seeded (${d.split.seed}), stratified by label` : `: from column '${d.split.column}'`));
  lines.push(table(['label', 'train', 'validation', 'test', 'share'], [
    ...d.stats.labels.map((l) => [l.label, l.train, l.validation, l.test, `${((100 * (l.train + l.validation + l.test)) / (d.counts.train + d.counts.validation + d.counts.test)).toFixed(1)}%`]),
    ['total', d.counts.train, d.counts.validation, d.counts.test, '100%'],
  ]));
  const t = d.stats.tokenLengths;
  lines.push(`tokens per text: mean ${fmt(t.mean)}, median ${t.median}, 95th percentile ${t.p95}, max ${t.max}; ${t.truncated} text(s) truncated at ${d.tokenizer.maxLength}`);
  lines.push(`training tokens (a of a task on this data set): ${d.stats.trainTokens.toLocaleString('en-US')}`);
  const peak = Math.max(...t.bins.map((b) => b.count));
  const first = t.bins.findIndex((b) => b.count > 0);
  for (const b of t.bins.slice(Math.max(0, first))) lines.push(`${`${b.from}–${b.to}`.padStart(12)} ${'█'.repeat(Math.round((30 * b.count) / peak)).padEnd(30)} ${b.count}`);
  return lines.join('\n');
}

/** A data set named by id or by name. */
async function datasetId(ctx: CliContext, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const match = (await ctx.open().call('datasets/list', {})).find((d) => d.name === ref);
  if (!match) throw new LabError('not_found', `no data set named '${ref}' (see \`datasets list\`)`);
  return match.id;
}

export function datasetCommands(program: Command, ctx: CliContext): void {
  const data = program.command('datasets').description('labelled text: the built-ins and imported files');
  const print = (d: Dataset, o: { json?: boolean }) => (o.json ? json(ctx, d) : ctx.out(datasetText(d)));
  data
    .command('list')
    .description('stored data sets, and the built-ins not loaded yet')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const [list, builtins] = [await ctx.open().call('datasets/list', {}), await ctx.open().call('datasets/builtins', {})];
      if (o.json) return json(ctx, { datasets: list, builtins });
      if (list.length) ctx.out(table(['id', 'name', 'labels', 'train', 'validation', 'test', 'tokens', 'source'], list.map((d) => [d.id, d.name, d.labels.length, d.counts.train, d.counts.validation, d.counts.test, d.tokenizer.kind, d.source])));
      const waiting = builtins.filter((b) => b.loadedId === null);
      if (waiting.length) ctx.out(`\nbuilt-ins not loaded yet (\`datasets load NAME\`, or name one in a task set):\n${table(['name', 'description'], waiting.map((b) => [b.name, b.description]))}`);
    });
  data
    .command('show <id>')
    .description('one data set (by id or name): label balance, token lengths, training tokens')
    .option('--json', 'print JSON')
    .action(async (ref: string, o) => print(await ctx.open().call('datasets/get', { id: await datasetId(ctx, ref) }), o));
  data
    .command('load <name>')
    .description('store a built-in data set (spam, spam-hard, names-gender, sotu-party, sotu-era)')
    .option('--json', 'print JSON')
    .action(async (name: string, o) => {
      const done = showProgress(ctx);
      print(await ctx.open().call('datasets/loadBuiltin', { name }).finally(done), o);
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
      const done = showProgress(ctx);
      const d = await ctx.open()
        .call('datasets/import', {
          path: resolve(file), name: o.name, text: o.text, label: o.label, split: o.split, format: o.format, seed: o.seed, maxLabels: o.maxLabels,
          ...(o.tokenizer || o.maxLength ? { tokenizer: { ...(o.tokenizer ? { kind: o.tokenizer } : {}), ...(o.maxLength ? { maxLength: o.maxLength } : {}) } } : {}),
        })
        .catch((e) => { throw e instanceof LabError && e.code === 'conflict' && /already exists/.test(e.message) ? new LabError('conflict', `${e.message} with --name`) : e; })
        .finally(done);
      print(d, o);
    });
  data
    .command('delete <id>')
    .description('delete a data set (by id or name) and its examples; refused while a task set uses it')
    .action(async (ref: string) => {
      const dsId = await datasetId(ctx, ref);
      await ctx.open().call('datasets/delete', { id: dsId });
      ctx.out(`data set ${ref} deleted`);
    });
}
