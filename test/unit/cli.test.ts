import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskSetInput } from '../../src-main/api/schemas';
import * as store from '../../src-main/store';
import { SCHEMA_VERSION } from '../../src-main/store/migrations';
import { cli } from './helpers/cli';
import { toyCsv } from './helpers/toy';
import { tmpDir } from './helpers/tmp';

const root = join(__dirname, '../..');
describe('CLI', () => {
  const dir = tmpDir();

  it('creates, lists and shows a task set from the seed example file', async () => {
    const db = join(dir, 'lab.db');
    const created = await cli(['--db', db, 'task-set', 'create', join(root, 'resources/seed-example.taskset.json')]);
    expect(created).toMatchObject({ code: 0, stdout: "created task set 1 'seed example' with 6 tasks, budget 100\n" });
    const list = await cli(['task-set', 'list'], { ATTENTION_LAB_DB: db });
    expect(list.stdout).toMatch(/1\s+seed example\s+6\s+100\s+110/);
    const show = await cli(['--db', db, 'task-set', 'show', '1', '--json']);
    expect(JSON.parse(show.stdout).tasks.map((t: { attentionCost: number }) => t.attentionCost)).toEqual([10, 10, 10, 20, 30, 30]);
    const info = await cli(['--db', db, 'db', 'info']);
    expect(info.stdout).toMatch(new RegExp(`schema\\s+version ${SCHEMA_VERSION}\\n`));
    expect(info.stdout).toMatch(/tasks\s+6/);
  });

  it('refuses a malformed file and a bad task set with the reason, writing nothing', async () => {
    const db = join(dir, 'lab.db');
    writeFileSync(join(dir, 'broken.json'), '{"name": "x", "budget": 1,');
    const broken = await cli(['--db', db, 'task-set', 'create', join(dir, 'broken.json')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.json is not valid JSON/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'x', budget: 10, tasks: [{ name: 'a', attentionCost: -1 }] }));
    const bad = await cli(['--db', db, 'task-set', 'create', join(dir, 'bad.json')]);
    expect(bad.stderr).toMatch(/tasks\[0\]\.attentionCost: attentionCost must be ≥ 0/);
    const missing = await cli(['--db', db, 'task-set', 'create', join(dir, 'nope.json')]);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    expect((await cli(['--db', db, 'task-set', 'list'])).stdout).toMatch(/no task sets yet/);
  });

  it('lists runs and exports one as CSV and JSON', async () => {
    const path = join(dir, 'lab.db');
    const db = store.openDb(path);
    const set = store.createTaskSet(db, TaskSetInput.parse({ name: 's', budget: 1, tasks: [{ name: 'a', attentionCost: 1 }] }));
    const run = store.createRun(db, { taskSetId: set.id, name: 'first', seed: 3 });
    store.appendMetrics(db, run.id, [
      { epoch: 1, step: 10, task: 'a', metric: 'val_accuracy', value: 0.5, attention: 100, wallMs: 12 },
      { epoch: 2, step: 20, task: 'a, "quoted"', metric: 'val_accuracy', value: 0.75, attention: 200, wallMs: 24 },
    ]);
    db.close();
    expect((await cli(['--db', path, 'runs', 'list'])).stdout).toMatch(/1\s+first\s+interrupted\s+3/);
    const csv = await cli(['--db', path, 'export', 'run', '1', '--format', 'csv']);
    expect(csv.stdout.split('\n')).toEqual([
      'run_id,epoch,step,task,metric,value,attention,wall_ms',
      '1,1,10,a,val_accuracy,0.5,100,12',
      '1,2,20,"a, ""quoted""",val_accuracy,0.75,200,24',
      '',
    ]);
    const json = JSON.parse((await cli(['--db', path, 'export', 'run', '1'])).stdout);
    expect(json.run).toMatchObject({ id: 1, name: 'first', seed: 3 });
    expect(json.metrics).toHaveLength(2);
    const unknown = await cli(['--db', path, 'export', 'run', '9']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: run 9 does not exist\n' });
    const badFormat = await cli(['--db', path, 'export', 'run', '1', '--format', 'xml']);
    expect(badFormat.stderr).toMatch(/--format.*xml.*Allowed choices are json, csv/);
  });

  it('profiles a task set, trains a run with a progress bar and prints the per-task table', async () => {
    const db = join(dir, 'lab.db');
    const csv = join(dir, 'toy.csv'), setFile = join(dir, 'set.json');
    writeFileSync(csv, toyCsv(300));
    writeFileSync(setFile, JSON.stringify({ name: 'toy set', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] }));
    expect((await cli(['--db', db, 'datasets', 'import', csv])).code).toBe(0);
    expect((await cli(['--db', db, 'task-set', 'create', setFile])).code).toBe(0);
    const profiled = await cli(['--db', db, 'task-set', 'profile', 'toy set', '--batches', '2']);
    expect(profiled.stdout).toMatch(/toy\s+\d+ \*\s+[\d.]+ \*/); // a and t, both marked measured
    const run = await cli(['--db', db, 'run', 'toy set', '--epochs', '2', '--seed', '3']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/run 1: epoch 2\/2/);
    expect(run.stdout).toMatch(/run 1 'toy set · lp · bag · seed 3' — completed/);
    expect(run.stdout).toMatch(/toy\s+1\s+\d+\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%\s+50\.0%/);
    expect((await cli(['--db', db, 'runs', 'show', '1'])).stdout).toMatch(/after epoch 2:/);
    const bad = await cli(['--db', db, 'run', 'toy set', '--epochs', '0']);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/epochs must be at least 1/) });
    expect((await cli(['--db', db, 'runs', 'resume', '1'])).stderr).toMatch(/run 1 is completed: only an interrupted, failed or cancelled run can resume/);
  }, 60_000);

  it('deletes a data set by name, and refuses one a task set uses, keeping it', async () => {
    const db = join(dir, 'delete.db');
    const csv = join(dir, 'spare.csv'), setFile = join(dir, 'uses.json');
    writeFileSync(csv, toyCsv(60));
    expect((await cli(['--db', db, 'datasets', 'import', csv])).code).toBe(0);
    expect((await cli(['--db', db, 'datasets', 'import', csv, '--name', 'kept'])).code).toBe(0);
    writeFileSync(setFile, JSON.stringify({ name: 'uses kept', budget: 1e6, tasks: [{ name: 'k', dataset: 'kept' }] }));
    expect((await cli(['--db', db, 'task-set', 'create', setFile])).code).toBe(0);
    expect(await cli(['--db', db, 'datasets', 'delete', 'spare'])).toMatchObject({ code: 0, stdout: 'data set spare deleted\n' });
    const refused = await cli(['--db', db, 'datasets', 'delete', 'kept']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/used by 1 task/) });
    const left = JSON.parse((await cli(['--db', db, 'datasets', 'list', '--json'])).stdout).datasets.map((d: { name: string }) => d.name);
    expect(left).toEqual(['kept']);
    expect((await cli(['--db', db, 'datasets', 'delete', 'spare'])).stderr).toMatch(/no data set named 'spare'/);
  });

  it('answers --help through the real bin (every command\'s help is checked in process: cli-print.test.ts)', async () => {
    const r = await cli(['runs', 'list', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: attention-lab runs list/);
  });
});
