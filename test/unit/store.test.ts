import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskSetInput } from '../../src-main/api/schemas';
import * as store from '../../src-main/store';
import { migrations, SCHEMA_VERSION } from '../../src-main/store/migrations';
import { seedLike, tmpDir } from './helpers/tmp';
import { labConfig } from './helpers/runs';

const point = (epoch: number, task = 'a', metric = 'val_accuracy', value = epoch / 10) => ({ epoch, step: epoch * 10, task, metric, value, attention: epoch * 100, wallMs: epoch * 5 });

describe('migrations', () => {
  const dir = tmpDir();

  it('creates every table from empty, and re-opening keeps the data', () => {
    const path = join(dir, 'lab.db');
    const db = store.openDb(path);
    expect(store.schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    store.createTaskSet(db, TaskSetInput.parse(seedLike()));
    db.close();
    const again = store.openDb(path);
    expect(store.listTaskSets(again).map((s) => s.name)).toEqual(['set']);
    expect(Object.keys(store.dbInfo(again).counts)).toEqual(['datasets', 'examples', 'task_sets', 'tasks', 'solves', 'runs', 'metric_points', 'metric_series', 'checkpoints', 'curve_fits', 'studies']);
    again.close();
  });

  it('refuses a database with a newer schema and leaves the file untouched', () => {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future_thing (x)');
    raw.pragma('user_version = 99');
    raw.close();
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(() => store.openDb(path)).toThrow(new RegExp(`schema version 99, newer than this Attention Lab knows \\(${SCHEMA_VERSION}\\).*untouched`));
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
  });

  it('migration 2 brings a version-1 store forward: its solves keep everything, with no engine recorded', () => {
    const path = join(dir, 'v1.db');
    const v1 = store.openDb(path, { migrate: false });
    store.migrate(v1, migrations.slice(0, 1));
    v1.prepare("INSERT INTO task_sets (name, budget, created_at, updated_at) VALUES ('old', 10, '2026-01-01', '2026-01-01')").run();
    v1.prepare(`INSERT INTO solves (task_set_id, policy, params, inputs, status, allocation, counts, objective, duals, explanation, solver_ms, created_at)
      VALUES (1, 'milp', '{}', '[]', 'optimal', '[0.5]', '[5]', '{"value":0.5}', '{}', NULL, 3.5, '2026-01-01')`).run();
    v1.close();
    const db = store.openDb(path);
    expect(store.schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(store.getSolve(db, 1)).toMatchObject({ policy: 'milp', allocation: [0.5], counts: [5], solverMs: 3.5, engine: null });
    db.close();
  });

  it('migration 6 gives runs imported before their whole-number seed param as their seed', () => {
    const path = join(dir, 'v5.db');
    const v5 = store.openDb(path, { migrate: false });
    store.migrate(v5, migrations.slice(0, 5));
    const add = v5.prepare("INSERT INTO runs (name, config, status, seed, created_at, source) VALUES (?, ?, 'completed', ?, '2026-01-01', ?)");
    for (const [name, config, seed, source] of [['imported', '{"seed":"4"}', 0, 'mlflow'], ['random', '{"seed":"random"}', 0, 'mlflow'], ['fraction', '{"seed":"1.5"}', 0, 'mlflow'], ['lab run', '{"seed":"9"}', 2, 'lab']] as const) add.run(name, config, seed, source);
    v5.close();
    const db = store.openDb(path);
    expect(db.prepare('SELECT name, seed FROM runs ORDER BY id').all()).toEqual([{ name: 'imported', seed: 4 }, { name: 'random', seed: 0 }, { name: 'fraction', seed: 0 }, { name: 'lab run', seed: 2 }]);
    db.close();
  });

  it('rolls a failing migration back and stops there', () => {
    const db = store.openDb(':memory:', { migrate: false });
    const steps = ['CREATE TABLE one (x)', 'CREATE TABLE two (x); CREATE TABLE one (y)'];
    expect(() => store.migrate(db, steps)).toThrow(/migration 2 failed and was rolled back \(schema stays at version 1\)/);
    expect(store.schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'two'").get()).toBeUndefined();
  });
});

describe('round trips', () => {
  it('stores and reads back data sets, task sets, solves, runs, metric points and checkpoints', () => {
    const db = store.openDb(':memory:');
    const ds = store.createDataset(db, { name: 'toy', source: 'test', labels: ['ham', 'spam'] }, [
      { text: 'hello there', label: 'ham', split: 'train' },
      { text: 'buy now', label: 'spam', split: 'train' },
      { text: 'see you', label: 'ham', split: 'validation' },
      { text: 'cheap pills', label: 'spam', split: 'test' },
    ]);
    expect(store.listDatasets(db)[0].counts).toEqual({ train: 2, validation: 1, test: 1 });
    expect(store.readExamples(db, ds.id, 'train').map((e) => e.label)).toEqual(['ham', 'spam']);

    const set = store.createTaskSet(db, TaskSetInput.parse(seedLike({ tasks: [{ name: 'toy task', attentionCost: 4, dataset: 'toy' }] })));
    expect(set.tasks[0]).toMatchObject({ name: 'toy task', datasetId: ds.id, datasetName: 'toy', examples: 2, weight: 1, floor: 0, cap: 1 });
    expect(store.getTaskSet(db, set.id)).toEqual(set);

    const solve = store.saveSolve(db, {
      taskSetId: set.id, policy: 'lp', params: { budget: 100 }, inputs: set.tasks, status: 'optimal',
      allocation: [2 / 3], counts: [1], objective: { value: 2 / 3 }, duals: { attention: 1 / 30 }, explanation: null, engine: 'HiGHS 1.15.1', solverMs: 1.5,
    });
    expect(store.getSolve(db, solve.id)).toMatchObject({ allocation: [2 / 3], duals: { attention: 1 / 30 }, status: 'optimal', engine: 'HiGHS 1.15.1' });

    const run = store.createRun(db, { taskSetId: set.id, solveId: solve.id, name: 'r', config: labConfig({ epochs: 3 }), seed: 7, tags: ['x'] });
    expect(run).toMatchObject({ status: 'queued', seed: 7, tags: ['x'], config: { epochs: 3 }, startedAt: null });
    const running = store.setRunStatus(db, run.id, 'running', { backend: 'cpu-lab', environment: { cores: 2 } });
    expect(running.startedAt).not.toBeNull();
    expect(running.finishedAt).toBeNull();
    expect(store.setRunStatus(db, run.id, 'completed')).toMatchObject({ status: 'completed', backend: 'cpu-lab', environment: { cores: 2 } });
    expect(store.updateRunNotes(db, run.id, { notes: 'good', tags: ['a', 'b'] })).toMatchObject({ notes: 'good', tags: ['a', 'b'] });

    store.appendMetrics(db, run.id, [point(0), point(1), point(1, 'b'), point(2)]);
    expect(store.readMetrics(db, run.id)).toHaveLength(4);
    const curves = store.readCurves(db, [run.id], 'val_accuracy');
    expect(curves.map((c) => [c.task, c.epoch])).toEqual([['a', [0, 1, 2]], ['b', [1]]]);

    store.saveCheckpoint(db, { runId: run.id, epoch: 1, kind: 'best', path: '/tmp/x', metric: 0.9 });
    store.saveCheckpoint(db, { runId: run.id, epoch: 2, kind: 'best', path: '/tmp/y', metric: 0.95 });
    expect(store.getCheckpoint(db, run.id, 'best')).toMatchObject({ epoch: 2, path: '/tmp/y' });

    store.deleteRun(db, run.id);
    expect(store.readMetrics(db, run.id)).toEqual([]);
    expect(store.getCheckpoint(db, run.id, 'best')).toBeNull();
  });

  it('writes many points in one batch (chunked inserts) and reads them all back in order', () => {
    const db = store.openDb(':memory:');
    const run = store.createRun(db, {});
    const pts = Array.from({ length: 1000 }, (_, i) => point(i));
    store.appendMetrics(db, run.id, pts);
    const [curve] = store.readCurves(db, [run.id], 'val_accuracy');
    expect(curve.epoch).toEqual(pts.map((p) => p.epoch));
    expect(curve.value).toEqual(pts.map((p) => p.value));
  });
});

describe('constraints name the problem', () => {
  it('check constraints carry their names', () => {
    const db = store.openDb(':memory:');
    const set = store.createTaskSet(db, TaskSetInput.parse(seedLike()));
    const insert = (floor: number, cap: number, a = 1) =>
      db.prepare('INSERT INTO tasks (task_set_id, position, name, attention_cost, time_cost, floor, cap) VALUES (?, 9, ?, ?, 0, ?, ?)').run(set.id, `x${Math.random()}`, a, floor, cap);
    expect(() => insert(0.8, 0.2)).toThrow(/floor_not_above_cap/);
    expect(() => insert(0, 1, -3)).toThrow(/attention_cost_non_negative/);
    expect(() => db.prepare("UPDATE runs SET status = 'exploded'").run() && db.prepare("INSERT INTO runs (status, created_at) VALUES ('exploded', 'now')").run()).toThrow(/run_status_known/);
  });

  it('foreign keys are enforced and reported with the missing id', () => {
    const db = store.openDb(':memory:');
    expect(() => store.appendMetrics(db, 42, [point(0)])).toThrow('metric points: run 42 does not exist');
    expect(() => store.createRun(db, { taskSetId: 7 })).toThrow('taskSetId: task set 7 does not exist');
    expect(() => db.prepare("INSERT INTO checkpoints (run_id, epoch, kind, path, created_at) VALUES (5, 0, 'best', 'p', 'now')").run()).toThrow(/FOREIGN KEY/);
    store.createDataset(db, { name: 'toy', source: 'test', labels: ['x', 'y'] }, [{ text: 't', label: 'x', split: 'train' }]);
    store.createTaskSet(db, TaskSetInput.parse(seedLike({ tasks: [{ name: 'a', attentionCost: 1, dataset: 'toy' }] })));
    expect(() => store.deleteDataset(db, 1)).toThrow(/used by 1 task/);
    expect(() => store.getRun(db, 3)).toThrow('run 3 does not exist');
  });
});

describe('concurrent writer and crash safety', () => {
  const dir = tmpDir();
  const writer = (path: string, runId: number, batch: number, batches: number) =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers/metric-writer.ts'), path, String(runId), String(batch), String(batches)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });

  it('a reader sees only whole batches while a child process writes', async () => {
    const path = join(dir, 'lab.db');
    const db = store.openDb(path);
    const run = store.createRun(db, {});
    const BATCH = 997; // prime, so a partial batch cannot hide as a multiple
    const child = writer(path, run.id, BATCH, 40);
    const done = new Promise<number | null>((r) => child.on('exit', r));
    const seen = new Set<number>();
    const count = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM metric_points WHERE run_id = ?');
    let exited = false;
    done.then(() => (exited = true));
    while (!exited) {
      const n = count.get(run.id)!.n;
      expect(n % BATCH).toBe(0);
      seen.add(n);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await done).toBe(0);
    expect(count.get(run.id)!.n).toBe(BATCH * 40);
    expect(seen.size).toBeGreaterThan(2); // we really did read mid-stream
    db.close();
  });

  it('SIGKILL mid-transaction loses nothing committed and leaves the file intact', async () => {
    const path = join(dir, 'crash.db');
    const db = store.openDb(path);
    const run = store.createRun(db, {});
    const BATCH = 50_000;
    const child = writer(path, run.id, BATCH, 1000);
    let committed = 0;
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        committed = Math.max(committed, ...String(d).trim().split('\n').map((l) => Number(l.split(' ')[1])));
        // Kill a little into the next batch's transaction.
        if (committed >= 3) setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 15);
      });
    });
    await new Promise((r) => child.on('exit', r));
    db.close();
    const after = store.openDb(path);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    const n = (after.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
    expect(n % BATCH).toBe(0);
    expect(n).toBeGreaterThanOrEqual(committed * BATCH);
    after.close();
  });
});

describe('runs left running by a killed app', () => {
  it('are marked interrupted at the next start', () => {
    const db = store.openDb(':memory:');
    const a = store.createRun(db, {});
    const b = store.createRun(db, {});
    store.setRunStatus(db, a.id, 'running');
    store.setRunStatus(db, b.id, 'completed');
    expect(store.markInterrupted(db)).toBe(1);
    expect(store.getRun(db, a.id).status).toBe('interrupted');
    expect(store.getRun(db, b.id).status).toBe('completed');
  });
});

describe('packed curves of stopped runs', () => {
  it('read the same as the live log, and unpack when the run logs again', () => {
    const db = store.openDb(':memory:');
    const run = store.createRun(db, {});
    const other = store.createRun(db, {});
    store.appendMetrics(db, run.id, [point(0, 'b'), point(0, 'a'), point(1, 'a'), point(0, 'a', 'val_loss', 9)]);
    store.appendMetrics(db, other.id, [point(0, 'a', 'val_accuracy', 0.3)]);
    const live = store.readCurves(db, [other.id, run.id], 'val_accuracy');
    store.setRunStatus(db, run.id, 'completed');
    expect(db.prepare('SELECT count(*) AS n FROM metric_series WHERE run_id = ?').get(run.id)).toEqual({ n: 3 });
    expect(store.readCurves(db, [other.id, run.id], 'val_accuracy')).toEqual(live);
    expect(live.map((c) => [c.runId, c.task, c.value])).toEqual([[other.id, 'a', [0.3]], [run.id, 'a', [0, 0.1]], [run.id, 'b', [0]]]);
    // Resume: a new point makes the packed view stale, so it is dropped and the log is read.
    store.appendMetrics(db, run.id, [point(2, 'a')]);
    expect(store.readCurves(db, [run.id], 'val_accuracy')[0].epoch).toEqual([0, 1, 2]);
  });
});
