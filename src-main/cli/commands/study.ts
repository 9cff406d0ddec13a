import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { PolicyName } from '../../api/schemas';
import { type CliContext, num } from '../context';
import { showRunProgress } from '../progress';
import { modelOption, taskSetId } from './taskSet';

export function studyCommand(program: Command, ctx: CliContext): void {
  program
    .command('study <taskset>')
    .description('pilot, learning-curve fits, every policy over several seeds, and a Markdown report with charts')
    .option('--budget <A>', "attention budget per epoch (default: the task set's)", num)
    .option('--policies <list>', 'policies to compare', 'uniform,size,temperature,seed-formula,lp,curve')
    .option('--seeds <n>', 'seeds per policy (1..n)', num, 3)
    .option('--epochs <n>', 'epochs per run', num, 5)
    .option('--pilot-epochs <n>', 'epochs of the uniform pilot run', num, 4)
    .option('--pilot-fraction <f>', "the pilot's attention as a share of one study run's", num, 0.25)
    .addOption(modelOption('encoder'))
    .requiredOption('--report <dir>', 'folder for report.md and its charts')
    .action(async (ref: string, o) => {
      const { runStudy } = await import('../../study');
      const stop = showRunProgress(ctx);
      try {
        const r = await runStudy(ctx.open(), {
          taskSetId: await taskSetId(ctx, ref), budget: o.budget, policies: String(o.policies).split(',').map((x: string) => x.trim()) as PolicyName[],
          seeds: Array.from({ length: o.seeds }, (_, i) => i + 1), epochs: o.epochs, pilotEpochs: o.pilotEpochs, pilotFraction: o.pilotFraction, report: resolve(o.report), model: o.model,
        }, (line) => { stop(); ctx.err(`${line}\n`); });
        stop();
        ctx.out(r.markdown);
        ctx.err(`wrote ${join(resolve(o.report), 'report.md')}\n`);
      } finally {
        stop();
      }
    });
}
