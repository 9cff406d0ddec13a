import type { Command } from 'commander';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Comparison, MetricPoint, Run } from '../../src-main/api/schemas';
import { comparisonText } from '../../src-main/cli/commands/compare';
import { runText } from '../../src-main/cli/commands/run';
import { createCli } from '../../src-main/cli/program';
import { serveCommand } from '../../src-main/server/command';
import { bytes } from '../../src-renderer/src/lib/format';
import { cliIn } from './helpers/cliInProcess';
import { tmpDir } from './helpers/tmp';

const root = join(__dirname, '../..');

/** Every command a user can type, as the words that name it: ['runs', 'list'], ['serve'], … */
function leaves(c: Command, path: string[] = []): string[][] {
  return c.commands.length ? c.commands.flatMap((s) => leaves(s, [...path, s.name()])) : [path];
}

describe('CLI, in process', () => {
  const dir = tmpDir();

  it('has --help on every command, naming the command and each of its options', async () => {
    const { program } = createCli({ out: () => {}, err: () => {}, tty: false }, [serveCommand]);
    const all = leaves(program);
    expect(all.length).toBeGreaterThanOrEqual(25); // every noun's verbs and the serve door's command
    for (const words of [[], ...all]) {
      const r = await cliIn([...words, '--help']);
      expect(r.code, words.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: attention-lab${words.map((w) => ` ${w}`).join('')}\\b`));
      let cmd = program;
      for (const w of words) cmd = cmd.commands.find((s) => s.name() === w)!;
      for (const o of cmd.options) expect(r.stdout, `${words.join(' ')} ${o.long}`).toContain(o.long!);
      expect(r.stdout).toContain(cmd.description().slice(0, 30));
    }
  });

  it('prints a task set, a solve and an empty run list in the words a terminal shows', async () => {
    const db = join(dir, 'print.db');
    expect(await cliIn(['--db', db, 'task-set', 'create', join(root, 'resources/seed-example.taskset.json')])).toMatchObject({ code: 0, stdout: "created task set 1 'seed example' with 6 tasks, budget 100\n" });
    const solve = await cliIn(['--db', db, 'solve', 'seed example', '--policy', 'lp']);
    expect(solve.code).toBe(0);
    expect(solve.stdout).toMatch(/^solve 1: task set 'seed example', policy lp — optimal\n/);
    expect(solve.stdout).toMatch(/\nt6\s+30\s+0\.3\s+1\s+0\.6667\s+66\.6667\s+20\s+0\.2\ntotal\s+566\.6667\s+100\s+1\n/); // the last task gets what is left
    expect(solve.stdout).toMatch(/\nattention 100 of 100\n/);
    expect(solve.stdout).toMatch(/\nbinding: .*attention/);
    writeFileSync(join(dir, 'floors.json'), JSON.stringify({ name: 'floors', budget: 1, tasks: [{ name: 'f', attentionCost: 10, floor: 0.5 }] }));
    expect((await cliIn(['--db', db, 'task-set', 'create', join(dir, 'floors.json')])).code).toBe(0);
    const tight = await cliIn(['--db', db, 'solve', 'floors']);
    expect(tight).toMatchObject({ code: 3, stdout: expect.stringMatching(/— infeasible\ninfeasible: /) });
    expect(await cliIn(['--db', db, 'runs', 'list'])).toMatchObject({ code: 0, stdout: 'no runs yet\n' });
    // sizes in the units the app shows (decimal, as file managers): the same database reads the same in both
    const info = await cliIn(['--db', db, 'db', 'info']);
    expect(info.stdout).toMatch(new RegExp(`^size +${bytes(statSync(db).size)}$`, 'm'));
    expect(info.stdout).toMatch(/^size +\d[\d.]* kB$/m);
    expect(await cliIn(['--db', db, 'runs', 'list', '-q', 'policy:lp'])).toMatchObject({ code: 0, stdout: 'no run matches\n' });
    expect(await cliIn(['--db', db, 'runs', 'show', 'x'])).toMatchObject({ code: 1, stderr: "error: 'x' is not an id (a positive whole number)\n" });
  });

  it("prints a run's per-task results at its last epoch", () => {
    const run = { id: 4, name: 'r', status: 'completed', error: null, seed: 2, backend: 'cpu', source: 'lab', config: { model: 'bag', policy: 'lp', epochs: 2, initFrom: 3, tasks: [{ name: 'a', pi: 0.5 }, { name: 'b', pi: 1 }] } } as unknown as Run;
    const p = (epoch: number, task: string, metric: string, value: number): MetricPoint => ({ epoch, step: 0, task, metric, value, attention: 0, wallMs: 0 });
    const text = runText(run, [p(0, 'a', 'test.majority', 0.5), p(1, 'a', 'test.accuracy', 0.6), p(2, 'a', 'test.accuracy', 0.75), p(2, 'a', 'attention', 1200), p(2, 'b', 'test.f1', 0.25), p(2, '', 'samples_per_s', 1234.4)]);
    expect(text.split('\n')).toEqual([
      "run 4 'r' — completed",
      'bag model, lp allocation, seed 2, 2 epochs, from run 3; backend cpu',
      'after epoch 2:',
      expect.stringMatching(/^task\s+π\s+attention \(tokens\)\s+val acc\s+test acc\s+test macro-F1\s+majority$/),
      expect.stringMatching(/^-+/),
      expect.stringMatching(/^a\s+0\.5\s+1200\s+75\.0%\s+50\.0%$/),
      expect.stringMatching(/^b\s+1\s+25\.0%$/),
      '1,234 samples/s',
    ]);
    expect(runText(run, [])).toMatch(/\nno metrics logged yet$/);
  });

  it('prints a comparison with the best run marked and what differs', () => {
    const c = {
      metric: 'test.accuracy', x: 'epoch', groupBy: 'policy', tasks: ['a'], aggregate: 'std', warnings: ['runs of 2 task sets'],
      runs: [
        { id: 1, name: 'x', status: 'completed', group: 'lp', seed: 1, policy: 'lp', model: 'bag', epochs: 2, taskSet: 's', final: { a: 0.9 }, mean: 0.9, attention: 1000, gainPerMTokens: 400, best: true },
        { id: 2, name: 'y', status: 'completed', group: 'uniform', seed: 1, policy: 'uniform', model: 'bag', epochs: 2, taskSet: 's', final: { a: 0.7 }, mean: 0.7, attention: 1000, gainPerMTokens: 200, best: false },
      ],
      series: [{ group: 'lp', task: '', runIds: [1], x: [1, 2], mean: [0.8, 0.9], std: [0, 0], n: [1, 1] }],
      diff: [{ field: 'policy', values: [{ group: 'lp', value: 'lp' }, { group: 'uniform', value: 'uniform' }] }],
    } as Comparison;
    const lines = comparisonText(c).split('\n');
    expect(lines[0]).toBe("test.accuracy at each run's last epoch, grouped by policy:");
    expect(lines[3]).toMatch(/^\s*1\s+lp\s+1\s+2\s+0\.9\s+0\.9\s+1000\s+400\s+best$/);
    expect(lines[4]).toMatch(/^\s*2\s+uniform\s+1\s+2\s+0\.7\s+0\.7\s+1000\s+200$/);
    expect(lines[7]).toMatch(/^lp\s+1\s+2\s+0\.9\s+0$/); // group, runs, the epoch it is read at, mean, std
    expect(lines.slice(-2)).toEqual(['note: runs of 2 task sets', 'what differs: policy (lp: lp, uniform: uniform)']);
  });
});
