import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabError } from '../../src-main/api/errors';
import type { MetricPoint, ProgressEvent } from '../../src-main/api/schemas';
import { Lab } from '../../src-main/lab';
import { createRuns } from '../../src-main/runs';
import type { TrainerJob, TrainerMessage } from '../../src-main/runs/protocol';
import * as store from '../../src-main/store';
import { toyCsv } from './helpers/toy';

/**
 * The run queue against a scripted trainer: each forked "trainer" is a child the test
 * speaks for, so every message, exit and race is played in process, in milliseconds
 * (runs.test.ts trains with real trainer processes).
 */
class Child extends EventEmitter {
  static all: Child[] = [];
  static next = 1000;
  readonly pid = Child.next++;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly sent: TrainerJob[] = [];
  readonly kills: string[] = [];
  constructor() {
    super();
    Child.all.push(this);
  }
  send(job: TrainerJob) {
    this.sent.push(job);
    return true;
  }
  kill(signal: NodeJS.Signals) {
    this.kills.push(signal);
    if (this.exitCode === null && this.signalCode === null) setImmediate(() => this.exit(null, signal));
    return true;
  }
  /** The trainer says something. */
  say(m: TrainerMessage) {
    this.emit('message', m);
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null) {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('close', code, signal);
  }
}

vi.mock('../../src-main/runs/spawn', () => ({
  forkTrainer: () => {
    const child = new Child();
    return { child, why: (code: number | null, signal: NodeJS.Signals | null) => `the trainer ${signal ? `was killed (${signal})` : `exited with code ${code}`}` };
  },
  prewarmTrainer: () => undefined,
}));

const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.close();
  Child.all = [];
});

async function setup(parallel = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-queue-'));
  const lab = new Lab(join(dir, 'lab.db'), { parallel });
  labs.push(lab);
  await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(200) });
  const set = await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] });
  const events: ProgressEvent[] = [];
  lab.events.on('progress', (e: ProgressEvent) => events.push(e));
  return { lab, dir, set, events, start: (o: Record<string, unknown> = {}) => lab.call('runs/start', { taskSetId: set.id, epochs: 3, ...o }) };
}
/** Lets the queue handle what the trainer said (its handlers are chained promises). */
const tick = () => new Promise((r) => setTimeout(r, 20));
const point = (epoch: number, metric: string, value: number, task = 'toy'): MetricPoint => ({ epoch, step: epoch * 10, task, metric, value, attention: epoch * 100, wallMs: epoch * 5 });
const backend = { name: 'cpu (scripted)', trainPath: 'js', versions: {} } as unknown as Extract<TrainerMessage, { type: 'started' }>['backend'];

/** The epoch report a trainer sends: its points and checkpoint file (written, as a trainer writes it). */
function epoch(lab: Lab, runId: number, e: number, val: number | null, best = true): TrainerMessage {
  const dir = store.runCheckpointDir(lab.db.name, runId), path = join(dir, `epoch-${e}.ckpt`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, 'checkpoint');
  // the task's own val.accuracy is not the mean, nor is the mean's attention
  const points = [point(e, 'test.accuracy', 0.5 + e / 10), point(e, 'val.accuracy', 0.01), point(e, 'attention', 100 * e, ''), ...(val === null ? [] : [point(e, 'val.accuracy', val, '')])];
  const checkpoints = e === 0 ? [] : [{ kind: 'latest' as const, path, metric: val }, ...(best ? [{ kind: 'best' as const, path, metric: val }] : [])];
  return { type: 'epoch', report: { epoch: e, points, checkpoints } };
}
const done: TrainerMessage = { type: 'done', result: { stopped: false, epochs: 3, tasks: [], samplesPerS: 1 }, memory: { loadedMiB: 100.4, peakMiB: 250.6 } };

describe('the run queue, against a scripted trainer', () => {
  it('sends the job, stores what the trainer reports, relays progress in words, and completes', async () => {
    const { lab, dir, events, start } = await setup();
    const [run] = await start({ lr: 0.02, dim: 32 });
    const [child] = Child.all;
    const [job] = child.sent;
    expect(job).toMatchObject({ kind: 'train', dbPath: join(dir, 'lab.db'), runId: run.id, checkpointDir: join(dir, 'lab.db-checkpoints', `run-${run.id}`), resume: undefined, initFrom: undefined });
    expect(job.config).toMatchObject({ model: 'bag', dim: 32, lr: 0.02, epochs: 3, seed: run.seed, threads: 1 });
    expect(job.tasks).toEqual([expect.objectContaining({ name: 'toy', pi: 1, weight: 1 })]);
    const running = await lab.call('runs/get', { id: run.id });
    expect(running.status).toBe('running');
    expect(lab.runs.busy()).toBe(true);
    expect(running.environment).toMatchObject({ ownerPid: process.pid, trainerPid: child.pid });
    expect(events.map((e) => [e.phase, e.message])).toEqual([['queued', 'queued (1 waiting)'], ['starting', 'starting the trainer']]);

    child.say({ type: 'started', backend });
    const progress = (etaS: number | null): TrainerMessage => ({ type: 'progress', progress: { epoch: 1, epochs: 3, step: 4, stepsInEpoch: 10, stepInEpoch: 4, samplesPerS: 1234.6, etaS, attention: 400 } });
    for (const eta of [12.4, 125, 3 * 3600 + 20 * 60 + 10, null, 60, 3600]) child.say(progress(eta));
    child.say(epoch(lab, run.id, 0, 0.5));
    child.say(epoch(lab, run.id, 1, 0.875));
    child.say(epoch(lab, run.id, 2, null, false));
    child.say(epoch(lab, run.id, 3, 0.5, false));
    child.say(done);
    await tick();
    const got = await lab.call('runs/get', { id: run.id });
    expect(got.backend).toBe('cpu (scripted)');
    expect(got.environment).toMatchObject({ backend, trainerPid: child.pid, memoryMiB: { afterLoading: 100, peak: 251 } });
    const shown = events.slice(2).map((e) => `${e.phase} ${e.done}/${e.total}: ${e.message}`);
    expect(shown).toEqual([
      'epoch 1/3 4/10: 1,235 samples/s, ETA 12 s',
      'epoch 1/3 4/10: 1,235 samples/s, ETA 2 min 5 s',
      'epoch 1/3 4/10: 1,235 samples/s, ETA 3 h 20 min',
      'epoch 1/3 4/10: 1,235 samples/s',
      'epoch 1/3 4/10: 1,235 samples/s, ETA 1 min 0 s',
      'epoch 1/3 4/10: 1,235 samples/s, ETA 1 h 0 min',
      'epoch 0 done 1/1: validation accuracy 50.0%',
      'epoch 1 done 1/1: validation accuracy 87.5%',
      'epoch 2 done 1/1: evaluated',
      'epoch 3 done 1/1: validation accuracy 50.0%',
    ]);
    expect(events[2]).toMatchObject({ job: `run-${run.id}`, kind: 'run', runId: run.id, epoch: 1, epochs: 3, etaS: 12.4, samplesPerS: 1234.6 });
    expect(events.at(-1)).toMatchObject({ epoch: 3, epochDone: true }); // what redraws a run's curves
    expect(events[2].epochDone).toBeUndefined(); // a step within an epoch stores nothing
    expect([...new Set((await lab.call('runs/metrics', { id: run.id })).map((p) => p.epoch))]).toEqual([0, 1, 2, 3]);
    expect(store.getCheckpoint(lab.db, run.id, 'latest')).toMatchObject({ epoch: 3, path: join(dir, 'lab.db-checkpoints', `run-${run.id}`, 'epoch-3.ckpt') });
    expect(store.getCheckpoint(lab.db, run.id, 'best')).toMatchObject({ epoch: 1, metric: 0.875 });
    // the epochs neither checkpoint names are pruned as soon as they are superseded
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`, 'epoch-1.ckpt'))).toBe(true);
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`, 'epoch-0.ckpt'))).toBe(false);
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`, 'epoch-2.ckpt'))).toBe(false); // latest no more, never best
    expect(existsSync(join(dir, 'lab.db-checkpoints', `run-${run.id}`, 'epoch-3.ckpt'))).toBe(true);

    child.exit(0);
    const finished = await lab.runs.wait(run.id);
    expect(finished.status).toBe('completed');
    expect(finished.error).toBeNull();
    expect(events.at(-1)).toMatchObject({ phase: 'completed', done: 1, total: 1, message: 'completed' });
    expect(lab.runs.busy()).toBe(false);
  });

  it('a trainer that fails, or exits without finishing, leaves its run failed with the reason; the next queued run starts', async () => {
    const { lab, events, start } = await setup();
    const [a, b, c] = await start({ seeds: [1, 2, 3] });
    expect(Child.all).toHaveLength(1);
    expect(lab.runs.isActive(c.id)).toBe(true);
    Child.all[0].say({ type: 'failed', error: 'out of memory' });
    Child.all[0].exit(1);
    expect((await lab.runs.wait(a.id))).toMatchObject({ status: 'failed', error: 'out of memory' });
    expect(events.find((e) => e.runId === a.id && e.phase === 'failed')!.message).toBe('out of memory');
    expect(Child.all).toHaveLength(2);
    Child.all[1].say(epoch(lab, b.id, 1, 0.5));
    await tick();
    const cut = join(store.runCheckpointDir(lab.db.name, b.id), 'epoch-2.ckpt.tmp'); // a write the crash cut short
    writeFileSync(cut, 'half');
    Child.all[1].exit(null, 'SIGSEGV');
    expect((await lab.runs.wait(b.id))).toMatchObject({ status: 'failed', error: 'the trainer was killed (SIGSEGV)' });
    expect(existsSync(cut)).toBe(false);
    expect(existsSync(join(store.runCheckpointDir(lab.db.name, b.id), 'epoch-1.ckpt'))).toBe(true);
    // it said done, then failed: failed
    Child.all[2].say(done);
    Child.all[2].say({ type: 'failed', error: 'could not write the result' });
    Child.all[2].exit(0);
    expect((await lab.runs.wait(c.id))).toMatchObject({ status: 'failed', error: 'could not write the result' });
  });

  it('a report that cannot be stored stops the trainer and fails the run with the reason', async () => {
    const { lab, start } = await setup();
    const [run] = await start();
    const [child] = Child.all;
    child.say({ type: 'epoch', report: { epoch: 1, points: [point(1, 'test.accuracy', 0.5)], checkpoints: [{ kind: 'latest', path: '/x', metric: null }, { kind: 'nonsense' as 'best', path: '/y', metric: null }] } });
    const failed = await lab.runs.wait(run.id);
    expect(child.kills).toEqual(['SIGKILL']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^storing the trainer's report failed: /);
    expect(await lab.call('runs/metrics', { id: run.id })).toEqual([]); // the epoch went in whole or not at all
  });

  it('a lab on disk keeps a reserve beside its database; a status that meets a full database gives it back and says what could not be stored', async () => {
    const { lab, events, start } = await setup();
    expect(existsSync(`${lab.db.name}-reserve`)).toBe(true);
    const [run] = await start();
    // a full disk, as SQLite sees one: no page may be added
    lab.db.pragma(`max_page_count = ${lab.db.pragma('page_count', { simple: true })}`);
    Child.all[0].say({ type: 'failed', error: `out of memory ${'x'.repeat(100_000)}` }); // a reason longer than the pages left
    Child.all[0].exit(1);
    await lab.runs.wait(run.id);
    expect(existsSync(`${lab.db.name}-reserve`)).toBe(false);
    expect(events.at(-1)).toMatchObject({ phase: 'failed', message: expect.stringMatching(/^out of memory x+; its status could not be stored: database or disk is full$/) });
  });

  it('a finished run whose status cannot be stored says so: finished, and why it could not be written', async () => {
    const { lab, events, start } = await setup();
    const [run] = await start();
    lab.db.exec("CREATE TEMP TRIGGER refuse BEFORE UPDATE OF status ON runs WHEN NEW.status = 'completed' BEGIN SELECT RAISE(ABORT, 'the disk went away'); END");
    Child.all[0].say(done);
    Child.all[0].exit(0);
    await lab.runs.wait(run.id);
    expect(events.at(-1)).toMatchObject({ phase: 'failed', message: 'the run finished; its status could not be stored: the disk went away' });
    // one that did not finish says why it stopped instead
    lab.db.exec("CREATE TEMP TRIGGER refuse_failed BEFORE UPDATE OF status ON runs WHEN NEW.status = 'failed' BEGIN SELECT RAISE(ABORT, 'the disk went away'); END");
    const [crashed] = await start();
    Child.all[1].exit(1);
    await lab.runs.wait(crashed.id);
    expect(events.at(-1)).toMatchObject({ phase: 'failed', message: 'the trainer exited with code 1; its status could not be stored: the disk went away' });
  });

  it('cancel: a queued run leaves the queue, a training run\'s trainer is killed; what it says after is not stored', async () => {
    const { lab, events, start } = await setup();
    const [a, b] = await start({ seeds: [1, 2] });
    const waitB = lab.runs.wait(b.id);
    expect((await lab.call('runs/cancel', { id: b.id })).status).toBe('cancelled');
    expect((await waitB).status).toBe('cancelled');
    expect(lab.runs.isActive(b.id)).toBe(false);
    const [child] = Child.all;
    const cancelled = await lab.call('runs/cancel', { id: a.id });
    expect(child.kills).toEqual(['SIGKILL']);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: 'cancelled by the user' });
    child.say(epoch(lab, a.id, 1, 0.9));
    await tick();
    expect(await lab.call('runs/metrics', { id: a.id })).toEqual([]);
    expect((await lab.runs.wait(a.id)).status).toBe('cancelled');
    expect(Child.all).toHaveLength(1); // b never started
    // cancelling a training run leaves the queue as it was: the queued run starts
    const [d, e2] = await start({ seeds: [4, 5] });
    await lab.call('runs/cancel', { id: d.id });
    await tick();
    expect(Child.all.at(-1)!.sent[0].runId).toBe(e2.id);
    Child.all.at(-1)!.exit(0);
    await lab.runs.wait(e2.id);
    expect(events.filter((e) => e.runId === a.id).at(-1)).toMatchObject({ phase: 'cancelled', message: 'cancelled by the user' });
    await expect(lab.call('runs/cancel', { id: a.id })).rejects.toThrow(`run ${a.id} is cancelled: there is nothing to cancel`);
    // the trainer exits just as cancel comes: cancel does not wait for an exit already past
    const [c] = await start();
    Child.all.at(-1)!.exit(0);
    expect((await lab.call('runs/cancel', { id: c.id })).status).toBe('cancelled');
    expect((await lab.runs.wait(c.id)).status).toBe('cancelled');
  });

  it('cancel reaches a run trained by another process through the trainer pid it recorded', async () => {
    const { lab, set } = await setup();
    const other = store.createRun(lab.db, { taskSetId: set.id, environment: { trainerPid: 2 ** 22 + 7 } }); // no such process: already gone
    store.setRunStatus(lab.db, other.id, 'running');
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      expect((await lab.call('runs/cancel', { id: other.id })).status).toBe('cancelled');
      expect(kill).toHaveBeenCalledWith(2 ** 22 + 7, 'SIGKILL');
    } finally {
      kill.mockRestore();
    }
  });

  it('close leaves queued and training runs interrupted, each saying why; the trainers are killed', async () => {
    const { lab, events, start } = await setup();
    const [a, b] = await start({ seeds: [1, 2] });
    const [child] = Child.all;
    lab.runs.close();
    expect(child.kills).toEqual(['SIGKILL']);
    expect(store.getRun(lab.db, a.id)).toMatchObject({ status: 'interrupted', error: 'the lab closed while this run was training' });
    expect(store.getRun(lab.db, b.id)).toMatchObject({ status: 'interrupted', error: 'the lab closed before this run started' });
    const after = events.length;
    lab.runs.enqueue(b.id);
    await tick();
    expect(Child.all).toHaveLength(1); // nothing starts after close
    expect(events.slice(after).map((e) => e.phase)).toEqual(['queued']); // the killed trainer's exit reports nothing: the database is closing
    expect(store.getRun(lab.db, a.id).status).toBe('interrupted');
  });

  it('resume continues from the latest checkpoint: later points go, the job names the file, the phase says where', async () => {
    const { lab, events, start } = await setup();
    const [run] = await start({ epochs: 4 });
    const [first] = Child.all;
    first.say(epoch(lab, run.id, 0, 0.5));
    first.say(epoch(lab, run.id, 1, 0.6));
    await tick();
    store.appendMetrics(lab.db, run.id, [point(2, 'test.accuracy', 0.7)]); // an epoch stored without its checkpoint cannot exist, but if it did it must go
    first.exit(null, 'SIGKILL');
    expect((await lab.runs.wait(run.id)).status).toBe('failed');
    const orphan = join(store.runCheckpointDir(lab.db.name, run.id), 'epoch-7.ckpt'); // a file the database does not name
    writeFileSync(orphan, 'stray');
    await expect(lab.call('runs/resume', { id: run.id + 1 })).rejects.toThrow(/does not exist/);
    const resumed = await lab.call('runs/resume', { id: run.id });
    expect(resumed.status).toBe('running');
    expect([...new Set((await lab.call('runs/metrics', { id: run.id })).map((p) => p.epoch))]).toEqual([0, 1]);
    const second = Child.all[1];
    expect(existsSync(orphan)).toBe(false);
    expect(second.sent[0].resume).toBe(store.getCheckpoint(lab.db, run.id, 'latest')!.path);
    expect(second.sent[0].resume).toMatch(/epoch-1\.ckpt$/);
    expect(events.filter((e) => e.runId === run.id && e.phase.startsWith('resuming'))).toHaveLength(1);
    expect(events.find((e) => e.phase.startsWith('resuming'))).toMatchObject({ phase: 'resuming after epoch 1', epoch: 2, epochs: 4 }); // its bar restarts at epoch 2 of 4
    await expect(lab.call('runs/resume', { id: run.id })).rejects.toThrow(`run ${run.id} is running: only an interrupted, failed or cancelled run can resume`);
    second.say(done);
    second.exit(0);
    expect((await lab.runs.wait(run.id)).status).toBe('completed');
    await expect(lab.call('runs/resume', { id: run.id })).rejects.toThrow(/is completed: only an interrupted/);
  });

  it('resume without a checkpoint starts over: every point goes', async () => {
    const { lab, start } = await setup();
    const [run] = await start();
    Child.all[0].say(epoch(lab, run.id, 0, 0.5));
    await tick();
    expect(await lab.call('runs/metrics', { id: run.id })).not.toEqual([]);
    Child.all[0].exit(3);
    expect((await lab.runs.wait(run.id)).error).toBe('the trainer exited with code 3');
    await lab.call('runs/resume', { id: run.id });
    expect(await lab.call('runs/metrics', { id: run.id })).toEqual([]);
    expect(Child.all[1].sent[0].resume).toBeUndefined();
  });

  it('a run logged through the tracking API cannot be resumed', async () => {
    const { lab } = await setup();
    const tracked = store.createRun(lab.db, {});
    lab.db.prepare("UPDATE runs SET source = 'mlflow', status = 'failed' WHERE id = ?").run(tracked.id);
    expect(() => lab.runs.resume(tracked.id)).toThrow(`run ${tracked.id} was logged by a script through the tracking API: the lab cannot train it further`);
  });

  it('runs at once: queued runs start as slots free or the setting rises; it never drops below one', async () => {
    const { lab, start } = await setup(1);
    const [a, b, c] = await start({ seeds: [1, 2, 3] });
    expect(Child.all).toHaveLength(1);
    lab.runs.parallel = 2.7;
    expect(lab.runs.parallel).toBe(2);
    expect(Child.all).toHaveLength(2);
    expect(store.getRun(lab.db, b.id).status).toBe('running');
    lab.runs.parallel = 0;
    expect(lab.runs.parallel).toBe(1);
    Child.all[0].say(done);
    Child.all[0].exit(0);
    await lab.runs.wait(a.id);
    expect(Child.all).toHaveLength(2); // one still training, the setting is 1: c waits
    expect(store.getRun(lab.db, c.id).status).toBe('queued');
    Child.all[1].exit(0);
    await lab.runs.wait(b.id);
    expect(Child.all).toHaveLength(3);
    expect(Child.all[2].sent[0].runId).toBe(c.id);
  });

  it('delete refuses a queued or training run and removes a stopped one with its checkpoint folder', async () => {
    const { lab, dir, start } = await setup();
    const [a, b] = await start({ seeds: [1, 2] });
    Child.all[0].say(epoch(lab, a.id, 1, 0.5));
    await tick();
    for (const id of [a.id, b.id]) expect(() => lab.runs.delete(id)).toThrow(/: cancel it first/);
    expect(() => lab.runs.delete(a.id)).toThrow(`run ${a.id} is running: cancel it first`);
    expect(lab.runs.deleteMany([a.id, b.id])).toEqual({ deleted: 0, skipped: [a.id, b.id] });
    Child.all[0].exit(0);
    await lab.runs.wait(a.id);
    const folder = join(dir, 'lab.db-checkpoints', `run-${a.id}`);
    expect(existsSync(folder)).toBe(true);
    expect(lab.runs.deleteMany([a.id, b.id])).toEqual({ deleted: 1, skipped: [b.id] });
    expect(existsSync(folder)).toBe(false);
    // a run's files from the old shared layout (outside its folder) go too; a run that never wrote one deletes all the same
    Child.all[1].say(epoch(lab, b.id, 1, 0.5));
    await tick();
    const elsewhere = join(dir, 'old-layout.ckpt'), latestElsewhere = join(dir, 'old-layout-latest.ckpt');
    writeFileSync(elsewhere, 'old');
    writeFileSync(latestElsewhere, 'old');
    store.saveCheckpoint(lab.db, { runId: b.id, epoch: 1, kind: 'best', path: elsewhere, metric: 0.5 });
    store.saveCheckpoint(lab.db, { runId: b.id, epoch: 1, kind: 'latest', path: latestElsewhere, metric: 0.5 });
    Child.all[1].exit(0);
    await lab.runs.wait(b.id);
    lab.runs.delete(b.id);
    expect([existsSync(elsewhere), existsSync(latestElsewhere)]).toEqual([false, false]);
    const [c] = await start();
    await lab.call('runs/cancel', { id: c.id });
    lab.runs.delete(c.id);
    expect(() => store.getRun(lab.db, c.id)).toThrow(/does not exist/);
    expect(() => store.getRun(lab.db, a.id)).toThrow(/does not exist/);
  });

  it('init-from: the job names the other run\'s best checkpoint, else its latest; a run without one, or whose file is gone, is refused', async () => {
    const { lab, start } = await setup();
    const [base] = await start();
    await expect(start({ initFrom: base.id })).rejects.toThrow(`initFrom: run ${base.id} has no checkpoint yet (it has not finished an epoch)`);
    Child.all[0].say(epoch(lab, base.id, 1, 0.9));
    Child.all[0].say(epoch(lab, base.id, 2, 0.8, false));
    Child.all[0].say(done);
    Child.all[0].exit(0);
    await lab.runs.wait(base.id);
    await expect(start({ initFrom: base.id, model: 'cnn' })).rejects.toThrow(`initFrom: run ${base.id} trained a bag encoder (dim 64, hidden 64); this run asks for cnn (dim 64, hidden 64)`);
    const [next] = await start({ initFrom: base.id, seeds: [4] });
    expect(Child.all[1].sent[0].initFrom).toMatch(/run-\d+\/epoch-1\.ckpt$/);
    expect(store.getRun(lab.db, next.id).config).toMatchObject({ initFrom: base.id });
    // a resumed run continues from its own checkpoint, not the other run's
    Child.all[1].say(epoch(lab, next.id, 1, 0.9));
    Child.all[1].exit(1);
    await lab.runs.wait(next.id);
    await lab.call('runs/resume', { id: next.id });
    expect(Child.all[2].sent[0]).toMatchObject({ initFrom: undefined, resume: expect.stringMatching(new RegExp(`run-${next.id}/epoch-1\\.ckpt$`)) });
    Child.all[2].exit(0);
    await lab.runs.wait(next.id);
    // only the latest left: it is used
    store.writeTx(lab.db, () => lab.db.prepare("DELETE FROM checkpoints WHERE run_id = ? AND kind = 'best'").run(base.id));
    await start({ initFrom: base.id, seeds: [5] });
    expect(Child.all[3].sent[0].initFrom).toMatch(/epoch-2\.ckpt$/);
    Child.all[3].exit(0);
    rmSync(store.getCheckpoint(lab.db, base.id, 'latest')!.path);
    await expect(start({ initFrom: base.id })).rejects.toThrow(/initFrom: run \d+'s checkpoint file .*epoch-2\.ckpt is missing/);
  });

  it('refuses what cannot train before any run exists, saying why', async () => {
    const { lab, set, start } = await setup();
    const synthetic = await lab.call('taskSets/create', { name: 'synthetic', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }, { name: 'B', attentionCost: 1 }] });
    await expect(lab.call('runs/start', { taskSetId: synthetic.id })).rejects.toThrow("task set 'synthetic': 'A', 'B' have no data set, so they cannot be trained");
    const one = await lab.call('taskSets/create', { name: 'one', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }, { name: 't', dataset: 'toy' }] });
    await expect(lab.call('runs/start', { taskSetId: one.id })).rejects.toThrow("task set 'one': 'A' has no data set, so it cannot be trained");
    const capped = await lab.call('taskSets/create', { name: 'capped', budget: 10, tasks: [{ name: 't', dataset: 'toy', cap: 0 }] });
    await expect(lab.call('runs/start', { taskSetId: capped.id })).rejects.toThrow(/^empty allocation: the lp solve gives every task π = 0, so a run would train nothing/);
    const solve = await lab.call('solve/run', { taskSetId: set.id, policy: 'lp' });
    const req = { model: 'bag' as const, dim: 64, hidden: 64, lr: 0.005, batchSize: 32, epochs: 1, vocabSize: 100, threads: 1, seeds: [1], tags: [] };
    expect(() => createRuns(lab.db, set, { ...solve, status: 'infeasible', explanation: 'the floors exceed the budget' }, req)).toThrow(`solve ${solve.id} is infeasible: the floors exceed the budget`);
    expect(() => createRuns(lab.db, set, { ...solve, status: 'infeasible', explanation: null }, req)).toThrow(new RegExp(`^solve ${solve.id} is infeasible$`));
    expect(createRuns(lab.db, set, { ...solve, status: 'feasible' }, req)).toHaveLength(1);
    expect(() => createRuns(lab.db, set, { ...solve, tasks: ['other'] }, req)).toThrow(`solve ${solve.id} has no share for task 'toy': the task set changed since; solve again`);
    const [base] = await start();
    Child.all[0].say(epoch(lab, base.id, 1, 0.9));
    await tick();
    await expect(start({ initFrom: base.id, model: 'cnn', dim: 32 })).rejects.toThrow(new RegExp(`^initFrom: run ${base.id} trained a bag encoder \\(dim \\d+, hidden \\d+\\); this run asks for cnn \\(dim 32, hidden \\d+\\)`));
    await expect(start({ initFrom: base.id, hidden: 8 })).rejects.toThrow(/this run asks for bag \(dim \d+, hidden 8\)/);
    await expect(start({ initFrom: base.id, dim: 16 })).rejects.toThrow(/this run asks for bag \(dim 16, hidden \d+\)/);
    const script = store.createRun(lab.db, {});
    await expect(start({ initFrom: script.id })).rejects.toThrow(`initFrom: run ${script.id} trained a ? encoder (dim ?, hidden ?)`);
    const memory = new Lab(':memory:');
    labs.push(memory);
    expect(() => memory.runs.enqueue(1)).toThrow('training needs a database on disk (the trainer process reads it), not :memory:');
    expect(() => memory.runs.checkpointDir(1)).toThrow(/database on disk/);
  });

  it('a report that meets a full database fails the run in words; a run deleted while training ends quietly', async () => {
    const { lab, events, start } = await setup();
    const [run, gone] = await start({ seeds: [1, 2] });
    lab.db.pragma(`max_page_count = ${lab.db.pragma('page_count', { simple: true })}`);
    const many = Array.from({ length: 20_000 }, (_, i) => point(1, `m${i}`, i));
    Child.all[0].say({ type: 'epoch', report: { epoch: 1, points: many, checkpoints: [] } });
    expect((await lab.runs.wait(run.id)).error).toBe("storing the trainer's report failed: the disk is full");
    lab.db.pragma('max_page_count = 1073741823');
    store.deleteRun(lab.db, gone.id);
    const seen = events.length;
    Child.all[1].exit(1);
    await tick();
    expect(lab.runs.busy()).toBe(false);
    expect(events.slice(seen).filter((e) => e.runId === gone.id)).toEqual([]);
  });

  it('in memory: stopped runs delete without files, and profiling asks for a database on disk', async () => {
    const memory = new Lab(':memory:');
    labs.push(memory);
    expect(existsSync(':memory:-reserve')).toBe(false); // no reserve file for a database in memory
    const r = store.createRun(memory.db, {});
    expect(memory.runs.deleteMany([r.id])).toEqual({ deleted: 1, skipped: [] });
    const set = await memory.call('taskSets/create', { name: 's', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }] });
    await expect(memory.call('taskSets/profile', { id: set.id })).rejects.toThrow('profiling needs a database on disk (the trainer process reads it), not :memory:');
  });

  it('each refusal carries the code a door maps to its status (conflict, invalid input, not found, unsupported, internal)', async () => {
    const { lab, set, start } = await setup();
    const code = async (p: Promise<unknown> | (() => unknown)) => {
      try {
        await (typeof p === 'function' ? p() : p);
      } catch (e) {
        return (e as LabError).code;
      }
      return 'no error';
    };
    const [run, queued] = await start({ seeds: [1, 2] });
    expect(await code(lab.call('runs/resume', { id: run.id }))).toBe('conflict');
    expect(await code(() => lab.runs.delete(run.id))).toBe('conflict');
    expect(await code(start({ initFrom: run.id }))).toBe('invalid_input');
    Child.all[0].say(epoch(lab, run.id, 1, 0.9));
    await tick();
    rmSync(store.getCheckpoint(lab.db, run.id, 'latest')!.path);
    expect(await code(start({ initFrom: run.id }))).toBe('not_found');
    expect(await code(start({ initFrom: run.id, dim: 8 }))).toBe('invalid_input');
    await lab.call('runs/cancel', { id: queued.id });
    expect(await code(lab.call('runs/cancel', { id: queued.id }))).toBe('conflict');
    const tracked = store.createRun(lab.db, {});
    lab.db.prepare("UPDATE runs SET source = 'mlflow', status = 'failed' WHERE id = ?").run(tracked.id);
    expect(await code(() => lab.runs.resume(tracked.id))).toBe('conflict');
    const synthetic = await lab.call('taskSets/create', { name: 'synthetic', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }] });
    expect(await code(lab.call('runs/start', { taskSetId: synthetic.id }))).toBe('invalid_input');
    const capped = await lab.call('taskSets/create', { name: 'capped', budget: 10, tasks: [{ name: 't', dataset: 'toy', cap: 0 }] });
    expect(await code(lab.call('runs/start', { taskSetId: capped.id }))).toBe('invalid_input');
    const solve = await lab.call('solve/run', { taskSetId: set.id, policy: 'lp' });
    const req = { model: 'bag' as const, dim: 64, hidden: 64, lr: 0.005, batchSize: 32, epochs: 1, vocabSize: 100, threads: 1, seeds: [1], tags: [] };
    expect(await code(() => createRuns(lab.db, set, { ...solve, status: 'infeasible' }, req))).toBe('infeasible');
    expect(await code(() => createRuns(lab.db, set, { ...solve, tasks: ['other'] }, req))).toBe('conflict');
    const memory = new Lab(':memory:');
    labs.push(memory);
    expect(await code(() => memory.runs.enqueue(1))).toBe('unsupported');
    expect(await code(memory.call('taskSets/profile', { id: (await memory.call('taskSets/create', { name: 's', budget: 10, tasks: [{ name: 'A', attentionCost: 1 }] })).id }))).toBe('unsupported');
    const profiling = lab.call('taskSets/profile', { id: set.id, batches: 2 });
    await tick();
    Child.all.at(-1)!.exit(1);
    expect(await code(profiling)).toBe('internal');
  });

  it('resume takes interrupted and cancelled runs too; a run stopped by another process stays as it said; mixed π trains', async () => {
    const { lab, set, start } = await setup();
    const [a, b] = await start({ seeds: [1, 2], threads: 2 });
    expect(Child.all[0].sent[0].config.threads).toBe(2);
    expect(store.getRun(lab.db, b.id).environment).toMatchObject({ ownerPid: process.pid }); // queued, and already owned: a killed lab's runs are found by it
    await lab.call('runs/cancel', { id: b.id });
    store.setRunStatus(lab.db, a.id, 'cancelled', { error: 'cancelled elsewhere' }); // another lab's door cancelled it
    Child.all[0].say({ type: 'failed', error: 'ignored' });
    Child.all[0].say({ type: 'progress', progress: { epoch: 1, epochs: 3, step: 1, stepsInEpoch: 2, stepInEpoch: 1, samplesPerS: 1, etaS: 1, attention: 1 } });
    Child.all[0].exit(null, 'SIGKILL');
    expect(await lab.runs.wait(a.id)).toMatchObject({ status: 'cancelled', error: 'cancelled elsewhere' });
    expect((await lab.call('runs/resume', { id: b.id })).status).toBe('running');
    lab.runs.close();
    expect(store.getRun(lab.db, b.id).status).toBe('interrupted');
    Child.all[1].say(epoch(lab, b.id, 1, 0.9)); // a trainer speaking after close is not heard
    await tick();
    expect(await lab.call('runs/metrics', { id: b.id })).toEqual([]);
    const next = new Lab(lab.db.name);
    labs.push(next);
    expect((await next.call('runs/resume', { id: b.id })).status).toBe('running');
    // a trainer that failed, then said anything else, still failed
    const last = Child.all.at(-1)!;
    last.say({ type: 'failed', error: 'disk error' });
    last.say({ type: 'started', backend });
    last.exit(0);
    expect(await next.runs.wait(b.id)).toMatchObject({ status: 'failed', error: 'disk error' });
    const two = await next.call('taskSets/create', { name: 'two', budget: 1e9, tasks: [{ name: 'x', dataset: 'toy' }, { name: 'y', dataset: 'toy', cap: 0 }] });
    const [mixed] = await next.call('runs/start', { taskSetId: two.id, epochs: 1 });
    expect((mixed.config as { tasks: { pi: number }[] }).tasks.map((t) => t.pi)).toEqual([1, 0]);
    expect(set.id).toBeGreaterThan(0);
  });

  it('names runs by set, policy, model and seed; a given name is kept, with the seed when there are several', async () => {
    const { lab, set, start } = await setup();
    const named = async (o: Record<string, unknown>) => (await start(o)).map((r) => r.name);
    expect(await named({ seeds: [7] })).toEqual(['toy · lp · bag · seed 7']);
    expect(await named({ seeds: [7], name: 'mine' })).toEqual(['mine']);
    expect(await named({ seeds: [1, 2], name: 'mine' })).toEqual(['mine · seed 1', 'mine · seed 2']);
    expect(set.name).toBe('toy');
    lab.runs.close();
  });
});

describe('profiling in a trainer process, scripted', () => {
  it('reports each task timed and returns seconds per pass; a trainer that fails says why', async () => {
    const { lab, set } = await setup();
    const seen: string[] = [];
    lab.events.on('progress', (e: ProgressEvent) => e.kind !== 'run' && seen.push(`${e.phase} ${e.done}/${e.total}: ${e.message}`));
    const profiled = lab.call('taskSets/profile', { id: set.id, batches: 2 });
    await tick();
    const child = Child.all[0];
    expect(child.sent[0]).toMatchObject({ kind: 'profile', tasks: [{ name: 'toy' }] });
    child.say({ type: 'started', backend });
    child.say({ type: 'profiling', done: 1, total: 1 });
    child.say({ type: 'profiled', secondsPerPass: [0.25], secondsPerBatch: [0.01] });
    child.exit(0);
    expect((await profiled).tasks[0].timeCost).toBe(0.25);
    expect(seen).toEqual(expect.arrayContaining(['starting 0/1: starting the trainer', 'timing 1/1: timed 1 of 1 task(s) on cpu (scripted)']));
    const failing = lab.call('taskSets/profile', { id: set.id, batches: 2 });
    await tick();
    Child.all[1].say({ type: 'failed', error: 'no memory' });
    Child.all[1].exit(1);
    await expect(failing).rejects.toThrow('profiling failed: no memory');
    const dying = lab.call('taskSets/profile', { id: set.id, batches: 2 });
    await tick();
    Child.all[2].exit(null, 'SIGKILL');
    await expect(dying).rejects.toThrow('profiling failed: the trainer was killed (SIGKILL)');
  });
});
