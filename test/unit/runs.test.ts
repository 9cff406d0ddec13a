import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabRunConfig, type ProgressEvent, type Run } from '../../src-main/api/schemas';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';
import { nextEvent } from './helpers/events';
import { toyCsv } from './helpers/toy';

/** Runs trained by real trainer processes, through the same calls every door makes. */
const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.close();
});

async function labWithToy(rows = 400, parallel = 1): Promise<{ lab: Lab; dir: string; taskSetId: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-runs-'));
  const lab = new Lab(join(dir, 'lab.db'), { parallel });
  labs.push(lab);
  await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(rows) });
  const set = await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] });
  return { lab, dir, taskSetId: set.id };
}

const event = nextEvent;
const epochs = (lab: Lab, id: number) => lab.call('runs/metrics', { id }).then((ps) => [...new Set(ps.map((p) => p.epoch))]);
const noWall = (ps: { epoch: number; task: string; metric: string; value: number }[]) => ps.filter((p) => p.metric !== 'samples_per_s').map((p) => `${p.epoch}/${p.task}/${p.metric}=${p.value}`);

describe('training runs', () => {
  it('the built-in spam task reaches ≥ 97% test accuracy within 5 epochs on the CPU backend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attention-lab-runs-'));
    const lab = new Lab(join(dir, 'lab.db'));
    labs.push(lab);
    const set = await lab.call('taskSets/create', { name: 'spam', budget: 1e9, tasks: [{ name: 'spam', dataset: 'spam' }] });
    const seen: ProgressEvent[] = [];
    lab.events.on('progress', (e: ProgressEvent) => e.kind === 'run' && seen.push(e));
    const [run] = await lab.call('runs/start', { taskSetId: set.id, epochs: 5 });
    const done = await lab.runs.wait(run.id);
    expect(done.status).toBe('completed');
    expect(done.backend).toMatch(/cpu.*bag step in JS/);
    // what a run stores as its config is exactly the contract's LabRunConfig (no field more, none missing)
    expect(done.source === 'lab' && LabRunConfig.strict().parse(done.config)).toEqual(done.config);
    expect((done.environment.backend as { trainPath: string }).trainPath).toBe('js'); // the run records its path
    expect((done.environment.backend as { versions: Record<string, string> }).versions['tfjs-core']).toBe('4.22.0');
    const points = await lab.call('runs/metrics', { id: run.id });
    const acc = points.find((p) => p.epoch === 5 && p.task === 'spam' && p.metric === 'test.accuracy')!.value;
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(seen.some((e) => e.runId === run.id && e.phase === 'epoch 3/5' && typeof e.etaS === 'number' && e.samplesPerS! > 0)).toBe(true);
    // each stored epoch is said once, as a field of the event (the views count epochs by it)
    expect(seen.filter((e) => e.runId === run.id && e.epochDone).map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    // the best checkpoint is the file of its epoch, in this database's own folder; superseded epochs are pruned
    const runDir = join(dir, 'lab.db-checkpoints', `run-${run.id}`);
    const best = store.getCheckpoint(lab.db, run.id, 'best')!;
    expect(best.path.startsWith(runDir)).toBe(true);
    expect(readdirSync(runDir).sort()).toEqual([...new Set([basename(best.path), 'epoch-5.ckpt'])].sort());
  }, 120_000);

  it('a run over the built-in mix (resources/) trains every task above its majority-class baseline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attention-lab-runs-'));
    const lab = new Lab(join(dir, 'lab.db'));
    labs.push(lab);
    const set = await lab.call('taskSets/create', JSON.parse(readFileSync('resources/builtin-mix.taskset.json', 'utf8')));
    const [run] = await lab.call('runs/start', { taskSetId: set.id, epochs: 2 });
    expect((await lab.runs.wait(run.id)).status).toBe('completed');
    const points = await lab.call('runs/metrics', { id: run.id });
    const at = (task: string, metric: string, epoch: number) => points.find((p) => p.epoch === epoch && p.task === task && p.metric === metric)!.value;
    for (const t of set.tasks) expect(at(t.name, 'test.accuracy', 2), t.name).toBeGreaterThan(at(t.name, 'test.majority', 0) + 0.05);
  }, 120_000);

  it('profiling measures a_i (training tokens) and t_i (seconds per pass) and marks both measured', async () => {
    const { lab, taskSetId } = await labWithToy();
    const profiled = await lab.call('taskSets/profile', { id: taskSetId, batches: 2 });
    const [t] = profiled.tasks;
    expect(t.attentionMeasured && t.timeMeasured).toBe(true);
    expect(t.attentionCost).toBe((await lab.call('datasets/get', { id: t.datasetId! })).stats.trainTokens);
    expect(t.timeCost).toBeGreaterThan(0);
    expect(t.timeCost).toBeLessThan(5);
    const synthetic = await lab.call('taskSets/create', { name: 'synthetic', budget: 10, tasks: [{ name: 'A', attentionCost: 1, timeCost: 3 }] });
    await expect(lab.call('taskSets/profile', { id: synthetic.id })).rejects.toThrow(/'A' has no data set/);
    expect((await lab.call('taskSets/get', { id: synthetic.id })).tasks[0].timeCost).toBe(3);
  }, 60_000);

  it('queues several seeds and trains one at a time', async () => {
    const { lab, taskSetId } = await labWithToy();
    const runs = await lab.call('runs/start', { taskSetId, epochs: 2, seeds: [1, 2, 3] });
    expect(runs.map((r) => r.name)).toEqual(['toy · lp · bag · seed 1', 'toy · lp · bag · seed 2', 'toy · lp · bag · seed 3']);
    await event(lab, (e) => e.runId === runs[0].id && e.phase.startsWith('epoch'));
    const statuses = (await lab.call('runs/list', { desc: false })).rows.map((r) => r.status);
    expect(statuses).toEqual(['running', 'queued', 'queued']);
    for (const r of runs) expect((await lab.runs.wait(r.id)).status).toBe('completed');
  }, 60_000);

  it('trains runs in parallel: each reports its own progress; cancel, a killed trainer and resume touch only their run', async () => {
    const { lab, taskSetId } = await labWithToy(2000, 2);
    // long enough that b is still training when it is killed (an epoch of this toy takes ~0.1 s)
    const runs = await lab.call('runs/start', { taskSetId, epochs: 40, seeds: [1, 2, 3] });
    const [a, b, c] = runs.map((r) => r.id);
    await Promise.all([a, b].map((id) => event(lab, (e) => e.runId === id && e.phase === 'epoch 1 done')));
    expect((await lab.call('runs/list', { desc: false })).rows.map((r) => r.status)).toEqual(['running', 'running', 'queued']);

    const t0 = performance.now();
    expect((await lab.call('runs/cancel', { id: a })).status).toBe('cancelled');
    expect(performance.now() - t0).toBeLessThan(1000);
    process.kill((await lab.call('runs/get', { id: b })).environment.trainerPid as number, 'SIGKILL');
    await event(lab, (e) => e.runId === c && e.phase.startsWith('epoch')); // the freed slots go to the queued run
    expect((await lab.runs.wait(b)).error).toMatch(/killed \(SIGKILL\)/);
    const cr = await lab.runs.wait(c);
    expect(cr.status, cr.error ?? '').toBe('completed');
    expect(await epochs(lab, c)).toHaveLength(41);

    await lab.call('runs/resume', { id: b });
    const br = await lab.runs.wait(b);
    expect(br.status, br.error ?? '').toBe('completed');
    const resumed = await lab.call('runs/metrics', { id: b });
    expect(resumed.filter((p) => p.task === 'toy' && p.metric === 'test.accuracy')).toHaveLength(41);
    // seed 2 again, alone: the same numbers as the one trained beside others, killed and resumed
    const [again] = await lab.call('runs/start', { taskSetId, epochs: 40, seeds: [2] });
    const ar = await lab.runs.wait(again.id);
    expect(ar.status, ar.error ?? '').toBe('completed');
    expect(noWall(await lab.call('runs/metrics', { id: again.id }))).toEqual(noWall(resumed));
  }, 180_000);

  it('the runs-at-once setting: its default follows cores and memory; raising it starts queued runs at once', async () => {
    const { lab, taskSetId } = await labWithToy(2000, 1);
    const p = await lab.call('runs/parallel', {});
    expect(p.parallel).toBe(1);
    expect(p.default).toBe(Math.max(1, Math.min(p.cores, Math.floor(p.freeMiB / p.peakMiB))));
    const [a, b] = (await lab.call('runs/start', { taskSetId, epochs: 3, seeds: [1, 2] })).map((r) => r.id);
    await event(lab, (e) => e.runId === a && e.phase.startsWith('epoch'));
    expect((await lab.call('runs/get', { id: b })).status).toBe('queued');
    expect((await lab.call('runs/parallel', { parallel: 2 })).parallel).toBe(2);
    expect((await lab.call('runs/get', { id: b })).status).toBe('running');
    await expect(lab.call('runs/parallel', { parallel: 0 })).rejects.toThrow(/parallel must be at least 1/);
    for (const id of [a, b]) expect((await lab.runs.wait(id)).status).toBe('completed');
  }, 120_000);

  it('the default runs-at-once reads the peak memory the last 20 runs recorded, not older ones', async () => {
    const lab = new Lab(':memory:');
    labs.push(lab);
    const ran = (peak: number) => store.setRunStatus(lab.db, store.createRun(lab.db, { name: 'r', seed: 1 }).id, 'running', { environment: { memoryMiB: { peak } } });
    ran(9000);
    for (let i = 0; i < 20; i++) ran(100 + i);
    expect((await lab.call('runs/parallel', {})).peakMiB).toBe(119); // the 9,000 MiB run is the 21st from the end
    ran(300);
    expect((await lab.call('runs/parallel', {})).peakMiB).toBe(300);
  });

  it('cancel takes effect within a second and keeps what was logged', async () => {
    const { lab, taskSetId } = await labWithToy(4000);
    const [run] = await lab.call('runs/start', { taskSetId, epochs: 500 });
    await event(lab, (e) => e.runId === run.id && e.phase === 'epoch 2 done');
    const t0 = performance.now();
    const cancelled = await lab.call('runs/cancel', { id: run.id });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(cancelled.status).toBe('cancelled');
    expect(await epochs(lab, run.id)).toEqual(expect.arrayContaining([0, 1, 2]));
    await expect(lab.call('runs/cancel', { id: run.id })).rejects.toThrow(/cancelled: there is nothing to cancel/);
  }, 60_000);

  it('a killed trainer leaves its run failed with every metric logged so far; resume carries the epochs on', async () => {
    const { lab, taskSetId } = await labWithToy(2000);
    const [run] = await lab.call('runs/start', { taskSetId, epochs: 4, seeds: [5] });
    await event(lab, (e) => e.runId === run.id && e.phase === 'epoch 2 done');
    const pid = (await lab.call('runs/get', { id: run.id })).environment.trainerPid as number;
    process.kill(pid, 'SIGKILL');
    const failed = await lab.runs.wait(run.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/killed \(SIGKILL\)/);
    const kept = await epochs(lab, run.id);
    expect(kept.slice(0, 3)).toEqual([0, 1, 2]);

    const resumed = await lab.call('runs/resume', { id: run.id });
    expect(['queued', 'running']).toContain(resumed.status);
    expect((await lab.runs.wait(run.id)).status).toBe('completed');
    const all = await lab.call('runs/metrics', { id: run.id });
    expect([...new Set(all.map((p) => p.epoch))]).toEqual([0, 1, 2, 3, 4]);
    expect(all.filter((p) => p.task === 'toy' && p.metric === 'test.accuracy')).toHaveLength(5); // no epoch logged twice

    // the same seed uninterrupted, in another process: the same numbers
    const [again] = await lab.call('runs/start', { taskSetId, epochs: 4, seeds: [5] });
    await lab.runs.wait(again.id);
    expect(noWall(await lab.call('runs/metrics', { id: again.id }))).toEqual(noWall(all));
  }, 120_000);

  it('runs left training by a killed lab are marked interrupted at the next start, and resume from their checkpoint to the uninterrupted numbers', async () => {
    const { lab, dir, taskSetId } = await labWithToy();
    // a run trained past epoch 2, then left as a killed lab leaves it: 'running', its owner gone, its trainer gone
    const [run] = await lab.call('runs/start', { taskSetId, epochs: 6, seeds: [3] });
    await event(lab, (e) => e.runId === run.id && e.phase === 'epoch 2 done');
    await lab.call('runs/cancel', { id: run.id }); // stops the trainer; what it stored stays
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
    store.setRunStatus(lab.db, run.id, 'running', { error: null, environment: { ownerPid: dead } });
    const owned = store.createRun(lab.db, { taskSetId, environment: { ownerPid: process.ppid } }); // another live lab's run
    store.setRunStatus(lab.db, owned.id, 'running');
    const stored = store.getCheckpoint(lab.db, run.id, 'latest')!.epoch;
    expect(stored).toBeGreaterThanOrEqual(2);
    expect(stored).toBeLessThan(6);
    lab.close();
    labs.pop();

    const next = new Lab(join(dir, 'lab.db'));
    labs.push(next);
    expect(next.interruptedAtStart).toBe(1);
    expect((await next.call('runs/get', { id: run.id })).status).toBe('interrupted');
    expect((await next.call('runs/get', { id: owned.id })).status).toBe('running');

    // resumed: it carries on after its checkpoint's epoch, not from 0, and finishes
    const seen: ProgressEvent[] = [];
    next.events.on('progress', (e: ProgressEvent) => e.runId === run.id && seen.push(e));
    await next.call('runs/resume', { id: run.id });
    const done = await next.runs.wait(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    // after 'queued'; with its epoch, so a page opened since shows the run where it stopped, not at 0 %
    expect(seen[1]).toMatchObject({ phase: `resuming after epoch ${stored}`, epoch: stored + 1, epochs: 6 }); // the epoch it trains next
    expect(seen.filter((e) => e.epochDone).map((e) => e.epoch)).toEqual(Array.from({ length: 6 - stored }, (_, k) => stored + 1 + k));
    expect(await epochs(next, run.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // every epoch once, with the numbers the same seed gives uninterrupted
    const [whole] = await next.call('runs/start', { taskSetId, epochs: 6, seeds: [3] });
    await next.runs.wait(whole.id);
    expect(noWall(await next.call('runs/metrics', { id: run.id }))).toEqual(noWall(await next.call('runs/metrics', { id: whole.id })));
  }, 120_000);

  it('a lab killed mid-run: its run is interrupted at the next start, and resume trains the rest, every epoch once, as if never stopped', async () => {
    const { lab, dir } = await labWithToy(2000);
    lab.close();
    labs.pop();
    const db = join(dir, 'lab.db');
    const killed = spawn(process.execPath, ['bin/attention-lab.mjs', '--db', db, 'run', 'toy', '--epochs', '4', '--seed', '5'], { stdio: 'ignore' });
    const watch = store.openDb(db);
    const stored = () => (watch.prepare('SELECT MAX(epoch) AS e FROM metric_points').get() as { e: number | null }).e ?? -1;
    while (stored() < 1) await new Promise((r) => setTimeout(r, 50));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));
    watch.close();
    const next = new Lab(db);
    labs.push(next);
    expect(next.interruptedAtStart).toBe(1);
    const [run] = (await next.call('runs/list', {})).rows;
    expect(run.status).toBe('interrupted');
    await next.call('runs/resume', { id: run.id });
    const done = await next.runs.wait(run.id);
    expect(done.status, done.error ?? '').toBe('completed');
    const all = await next.call('runs/metrics', { id: run.id });
    expect(all.filter((p) => p.task === 'toy' && p.metric === 'test.accuracy').map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4]);
    const [again] = await next.call('runs/start', { taskSetId: run.taskSetId!, epochs: 4, seeds: [5] });
    await next.runs.wait(again.id);
    expect(noWall(await next.call('runs/metrics', { id: again.id }))).toEqual(noWall(all));
  }, 120_000);

  it('a run starts from another run’s checkpoint', async () => {
    const { lab, taskSetId } = await labWithToy();
    const [base] = await lab.call('runs/start', { taskSetId, epochs: 3 });
    await lab.runs.wait(base.id);
    const [next] = await lab.call('runs/start', { taskSetId, epochs: 1, initFrom: base.id, seeds: [9] });
    expect((await lab.runs.wait(next.id)).status).toBe('completed');
    const at0 = (id: number) => lab.call('runs/metrics', { id }).then((ps) => ps.find((p) => p.epoch === 0 && p.task === 'toy' && p.metric === 'val.accuracy')!.value);
    const best = (await lab.call('runs/metrics', { id: base.id })).filter((p) => p.task === 'toy' && p.metric === 'val.accuracy').map((p) => p.value);
    expect(await at0(next.id)).toBe(Math.max(...best)); // it starts where the base run's best checkpoint was
    await expect(lab.call('runs/start', { taskSetId, epochs: 1, initFrom: base.id, model: 'cnn' })).rejects.toThrow(/trained a bag encoder/);
  }, 60_000);

  it('bad configurations fail before any run exists', async () => {
    const { lab, taskSetId } = await labWithToy();
    const synthetic = await lab.call('taskSets/create', { name: 'synthetic', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }] });
    const capped = await lab.call('taskSets/create', { name: 'capped', budget: 10, tasks: [{ name: 't', dataset: 'toy', cap: 0 }] });
    const cases: [unknown, RegExp][] = [
      [{ taskSetId, model: 'lstm' }, /model/],
      [{ taskSetId, epochs: 0 }, /epochs must be at least 1/],
      [{ taskSetId, seeds: [] }, /at least one seed/],
      [{ taskSetId: 999 }, /task set 999 does not exist/],
      [{ taskSetId: synthetic.id }, /'A' has no data set/],
      [{ taskSetId: capped.id }, /empty allocation/],
      [{ taskSetId, initFrom: 999 }, /run 999 does not exist/],
      [{ taskSetId, model: 'transformer', dim: 5 }, /dim must be even/],
    ];
    for (const [input, message] of cases) await expect(lab.call('runs/start', input)).rejects.toThrow(message);
    expect((await lab.call('runs/list', {})).rows).toEqual([]);
    const memory = new Lab(':memory:');
    labs.push(memory);
    await expect(memory.call('runs/start', { taskSetId: 1 })).rejects.toThrow(/database on disk/);
  });

  it('delete refuses a live run and removes a stopped one with its checkpoints', async () => {
    const { lab, dir, taskSetId } = await labWithToy();
    const [run]: Run[] = await lab.call('runs/start', { taskSetId, epochs: 1 });
    await expect(lab.call('runs/delete', { id: run.id })).rejects.toThrow(/cancel it first/);
    await lab.runs.wait(run.id);
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`))).toBe(true);
    await lab.call('runs/delete', { id: run.id });
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`))).toBe(false);
    await expect(lab.call('runs/get', { id: run.id })).rejects.toThrow(/does not exist/);
  }, 60_000);
});
