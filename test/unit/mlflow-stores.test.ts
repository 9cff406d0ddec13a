import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { cli } from './helpers/cli';

/** Import of the stores MLflow users have on disk, built here to MLflow's documented layouts, and export back. */
const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.close();
});
const fresh = () => mkdtempSync(join(tmpdir(), 'attention-lab-mlstore-'));
const openLab = (path = join(fresh(), 'lab.db')) => {
  const l = new Lab(path);
  labs.push(l);
  return l;
};
function write(path: string, text: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** An mlruns/ folder with the odd cases users' stores have. */
function fileStore(): string {
  const root = join(fresh(), 'mlruns');
  write(join(root, '0', 'meta.yaml'), 'artifact_location: file:///x/mlruns/0\nexperiment_id: \'0\'\nlifecycle_stage: active\nname: Default\n');
  write(join(root, '1', 'meta.yaml'), 'artifact_location: file:///x/mlruns/1\ncreation_time: 1700000000000\nexperiment_id: \'1\'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: lr sweep\nsome_future_field: 42\n');
  write(join(root, '1', 'tags', 'team'), 'nlp');
  const run = (id: string, lr: string, status: number, stage: string, lines: string | null) => {
    const d = join(root, '1', id);
    write(join(d, 'meta.yaml'), `artifact_uri: file:///x/mlruns/1/${id}/artifacts\nend_time: 1700000009000\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: ${stage}\nrun_id: ${id}\nrun_name: run ${lr}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: ${status}\ntags: []\nuser_id: ana\n`);
    write(join(d, 'params', 'lr'), lr);
    write(join(d, 'params', 'optimizer'), 'adam');
    write(join(d, 'tags', 'mlflow.runName'), `run ${lr}`);
    if (lines !== null) {
      write(join(d, 'metrics', 'val', 'accuracy'), lines); // a nested key: val/accuracy
      write(join(d, 'metrics', 'loss'), '1700000001000 0.9 0\n1700000002000 0.5 1\n');
    }
  };
  run('a'.repeat(32), '0.1', 3, 'active', '1700000001000 0.5 0\n\n1700000002000 0.75 1\n'); // a blank line inside
  run('b'.repeat(32), '0.01', 3, 'active', '1700000001000 0.6 0\n1700000002000 0.7 1\n');
  run('c'.repeat(32), '0.5', 4, 'deleted', '1700000001000 0.2 0\n'); // a deleted run
  run('d'.repeat(32), '1.0', 3, 'active', null); // no metrics at all
  run('e'.repeat(32), '2.0', 3, 'active', '1700000001000 oops 0\n'); // unreadable: skipped, the rest go on
  return root;
}

describe('import of an MLflow file store', () => {
  it('reads experiments, runs, params, tags and nested metrics; skips one bad run with its reason; importing again adds nothing', async () => {
    const lab = openLab();
    const root = fileStore();
    const r = await lab.call('runs/importMlflow', { path: root });
    expect(r).toMatchObject({ experiments: 1, runs: 4, alreadyThere: 0, points: 4 + 4 + 3 });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/eeee.*metrics\/val\/accuracy line 1: '1700000001000 oops 0' is not "timestamp value step"/);
    const runs = (await lab.call('runs/list', { desc: false, columns: ['lr'] })).rows;
    expect(runs.map((x) => [x.name, x.status, x.columns.lr]).sort()).toEqual([['run 0.01', 'completed', '0.01'], ['run 0.1', 'completed', '0.1'], ['run 0.5', 'failed', '0.5'], ['run 1.0', 'completed', '1.0']]);
    const a = runs.find((x) => x.name === 'run 0.1')!;
    const acc = (await lab.call('runs/metrics', { id: a.id })).filter((p) => p.metric === 'val/accuracy');
    expect(acc.map((p) => [p.epoch, p.value, p.wallMs])).toEqual([[0, 0.5, 1000], [1, 0.75, 2000]]);
    expect(a.startedAt).toBe(new Date(1_700_000_000_000).toISOString());
    expect(a.finishedAt).toBe(new Date(1_700_000_009_000).toISOString());

    const again = await lab.call('runs/importMlflow', { path: root });
    expect(again).toMatchObject({ experiments: 0, runs: 0, alreadyThere: 4, points: 0 });
    expect((await lab.call('runs/list', {})).rows).toHaveLength(4);
  });

  it('the CLI imports, says what it skipped, and the serve door may not name a path', async () => {
    const dir = fresh();
    const r = await cli(['--db', join(dir, 'lab.db'), 'import', 'mlflow', fileStore()]);
    expect(r.stdout).toMatch(/imported 4 run\(s\) with 11 metric points into 1 new experiment/);
    expect(r.stderr).toMatch(/skipped run 1\/e{32}/);
    expect(r.code).toBe(1);
    const lab = openLab(join(dir, 'lab.db'));
    await expect(lab.call('runs/importMlflow', { path: '/etc' }, { remote: true })).rejects.toThrow(/only files you upload/);
    await expect(lab.call('runs/importMlflow', { path: '/etc/hostname' })).rejects.toThrow(/neither an MLflow file store/);
  }, 30_000);
});

describe('import of an MLflow SQLite tracking database', () => {
  it('reads its tables (NaN points left out); importing again adds nothing', async () => {
    const path = join(fresh(), 'mlflow.db');
    const src = new Database(path);
    src.exec(`
      CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT, artifact_location TEXT, lifecycle_stage TEXT, creation_time BIGINT, last_update_time BIGINT);
      CREATE TABLE experiment_tags (key TEXT, value TEXT, experiment_id INTEGER);
      CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, source_type TEXT, source_name TEXT, entry_point_name TEXT, user_id TEXT, status TEXT, start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version TEXT, lifecycle_stage TEXT, artifact_uri TEXT, experiment_id INTEGER);
      CREATE TABLE metrics (key TEXT, value FLOAT, timestamp BIGINT, run_uuid TEXT, step BIGINT, is_nan BOOLEAN);
      CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
      CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);
      INSERT INTO experiments VALUES (0, 'Default', 'mlruns/0', 'active', 0, 0), (3, 'keras', 'mlruns/3', 'active', 1700000000000, 1700000000000);
      INSERT INTO runs VALUES ('${'1'.repeat(32)}', 'cnn', 'LOCAL', 'train.py', '', 'bo', 'FINISHED', 1700000000000, 1700000005000, NULL, '', 'active', '', 3);
      INSERT INTO metrics VALUES ('acc', 0.5, 1700000001000, '${'1'.repeat(32)}', 0, 0), ('acc', 0.8, 1700000002000, '${'1'.repeat(32)}', 1, 0), ('loss', 0, 1700000002000, '${'1'.repeat(32)}', 1, 1);
      INSERT INTO params VALUES ('filters', '32', '${'1'.repeat(32)}');
      INSERT INTO tags VALUES ('mlflow.runName', 'cnn', '${'1'.repeat(32)}');
    `);
    src.close();
    const lab = openLab();
    expect(await lab.call('runs/importMlflow', { path })).toMatchObject({ experiments: 1, runs: 1, points: 2, problems: [] });
    const run = await lab.call('runs/get', { id: (await lab.call('runs/list', {})).rows[0].id });
    expect(run).toMatchObject({ name: 'cnn', status: 'completed', config: { filters: '32' }, source: 'mlflow' });
    expect((await lab.call('runs/importMlflow', { path })).alreadyThere).toBe(1);
  });
});

describe('export back to MLflow', () => {
  it('writes a file store that reads back the same runs, params and histories, and refuses a folder that is not empty', async () => {
    const lab = openLab();
    await lab.call('runs/importMlflow', { path: fileStore() });
    const ids = (await lab.call('runs/list', { desc: false })).rows.map((r) => r.id);
    const out = join(fresh(), 'exported');
    expect(await lab.call('runs/exportMlflow', { ids, dir: out })).toMatchObject({ runs: 4, points: 11 });
    expect(readFileSync(join(out, '1', 'a'.repeat(32), 'metrics', 'val', 'accuracy'), 'utf8')).toBe('1700000001000 0.5 0\n1700000002000 0.75 1\n');
    await expect(lab.call('runs/exportMlflow', { ids, dir: out })).rejects.toThrow(/is not empty/);

    const back = openLab();
    expect(await back.call('runs/importMlflow', { path: out })).toMatchObject({ runs: 4, points: 11, problems: [] });
    const key = (l: Lab) => async () => Promise.all((await l.call('runs/list', { desc: false })).rows.map(async (r) => [r.name, r.status, (await l.call('runs/get', { id: r.id })).config, (await l.call('runs/metrics', { id: r.id })).map((p) => [p.metric, p.epoch, p.value])]));
    expect((await key(back)()).sort()).toEqual((await key(lab)()).sort());
  });
});

describe('imported runs compare like the lab’s own', () => {
  it('grouped by a param: one band per value, the param in the diff', async () => {
    const lab = openLab();
    await lab.call('runs/importMlflow', { path: fileStore() });
    const ids = (await lab.call('runs/list', { desc: false })).rows.filter((r) => r.name !== 'run 0.5').map((r) => r.id); // leave the deleted one out
    const c = await lab.call('runs/compare', { ids, metric: 'val/accuracy', x: 'epoch', groupBy: 'lr', perTask: false });
    expect(c.series.map((s) => s.group).sort()).toEqual(['0.01', '0.1']); // run 1.0 logged no val/accuracy
    expect(c.tasks).toEqual(['(run)']);
    const at = (g: string) => c.series.find((s) => s.group === g)!;
    expect(at('0.1').mean).toEqual([0.5, 0.75]);
    expect(at('0.01').mean).toEqual([0.6, 0.7]);
    expect(c.diff.map((d) => d.field)).toContain('lr');
  });
});

describe('a run’s seed param is its seed', () => {
  it('imported: Runs shows it, seed:N finds it, compare groups by it; a seed that is no whole number stays 0', async () => {
    const lab = openLab(), root = fileStore();
    for (const [id, seed] of [['a', '1'], ['b', '2'], ['d', 'random']]) write(join(root, '1', id.repeat(32), 'params', 'seed'), seed);
    await lab.call('runs/importMlflow', { path: root });
    const rows = (await lab.call('runs/list', { desc: false })).rows;
    expect(Object.fromEntries(rows.map((r) => [r.name, r.seed]))).toEqual({ 'run 0.1': 1, 'run 0.01': 2, 'run 0.5': 0, 'run 1.0': 0 });
    expect((await lab.call('runs/list', { q: 'seed:2' })).rows.map((r) => r.name)).toEqual(['run 0.01']);
    const c = await lab.call('runs/compare', { ids: rows.filter((r) => r.seed).map((r) => r.id), metric: 'val/accuracy', x: 'epoch', groupBy: 'seed', perTask: false });
    expect(c.series.map((s) => s.group).sort()).toEqual(['1', '2']);
    expect(c.runs.map((r) => r.seed).sort()).toEqual([1, 2]);
  });

  it('tracked: a script that logs seed=7 (alone or in a batch) gets seed 7', async () => {
    const lab = openLab();
    const { createTrackedRun, logBatch } = await import('../../src-main/store');
    const run = (name: string) => createTrackedRun(lab.db, { experimentId: 0, name });
    const one = run('one'), two = run('two');
    logBatch(lab.db, one.runId, { params: [['seed', '7']] });
    logBatch(lab.db, two.runId, { params: [['lr', '0.1'], ['seed', '12']] });
    const seeds = Object.fromEntries((await lab.call('runs/list', {})).rows.map((r) => [r.name, r.seed]));
    expect(seeds).toEqual({ one: 7, two: 12 });
  });

  it('a lab run exported to MLflow and imported again keeps its seed', async () => {
    const lab = openLab();
    const { addRun } = await import('./helpers/runs');
    const id = addRun(lab.db, { policy: 'lp', seed: 3, base: 0.5 });
    const out = join(fresh(), 'exported');
    await lab.call('runs/exportMlflow', { ids: [id], dir: out });
    const back = openLab();
    await back.call('runs/importMlflow', { path: out });
    expect((await back.call('runs/list', {})).rows.map((r) => [r.name, r.seed])).toEqual([['lp 3', 3]]);
  });
});
