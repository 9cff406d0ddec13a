import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';

/** The MLflow-compatible tracking API, driven by a client written by others and by replays of MLflow's Python client. */
let lab: Lab, served: Served, base: string;
beforeEach(async () => {
  lab = new Lab(join(mkdtempSync(join(tmpdir(), 'attention-lab-track-')), 'lab.db'));
  served = await serve({ lab, rendererDir: tmpdir() });
  base = `http://127.0.0.1:${served.port}/api/2.0/mlflow`;
});
afterEach(async () => {
  await served.close();
  lab.close();
});
async function call(path: string, body?: unknown, opts: { method?: string; token?: string } = {}) {
  const r = await fetch(`${base}/${path}`, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${opts.token ?? served.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('the npm mlflow client (written by others) against serve mode', () => {
  it('creates an experiment and a run, logs params, metrics one by one and in batches, tags, ends the run and reads the history back', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {}); // the client prints every request body
    const MLflow = createRequire(import.meta.url)('mlflow');
    const client = new MLflow({ endpoint: `http://127.0.0.1:${served.port}`, headers: { Authorization: `Bearer ${served.token}` } });
    const { experiment_id } = await client.Experiments.create({ name: 'sklearn sweep' });
    const { experiments } = await client.Experiments.list();
    expect(experiments.map((e: { name: string }) => e.name)).toEqual(['Default', 'sklearn sweep']);
    const { run } = await client.Runs.create({ experiment_id, start_time: 1_700_000_000_000, tags: [{ key: 'mlflow.runName', value: 'logreg C=1' }] });
    const run_id = run.info.run_id;
    expect(run_id).toMatch(/^[0-9a-f]{32}$/);
    await client.Runs.logParameter({ run_id, key: 'C', value: '1.0' });
    for (let step = 0; step < 5; step++) await client.Runs.logMetric({ run_id, key: 'accuracy', value: 0.5 + step / 10, timestamp: 1_700_000_000_000 + step * 1000, step });
    await client.Runs.logBatch({ run_id, metrics: [{ key: 'loss', value: 0.7, timestamp: 1_700_000_001_000, step: 1 }, { key: 'loss', value: 0.4, timestamp: 1_700_000_002_000, step: 2 }], params: [{ key: 'penalty', value: 'l2' }], tags: [{ key: 'team', value: 'nlp' }] });
    await client.Runs.setTag({ run_id, key: 'stage', value: 'dev' });
    await client.Runs.update({ run_id, status: 'FINISHED', end_time: 1_700_000_010_000 });
    const history = await client.Metrics.getHistory({ run_id, metric_key: 'accuracy' });
    expect(history.metrics.map((m: { step: number; value: number; timestamp: number }) => [m.step, m.value, m.timestamp])).toEqual(
      [0, 1, 2, 3, 4].map((s) => [s, 0.5 + s / 10, 1_700_000_000_000 + s * 1000]));
    const got = (await client.Runs.get({ run_id })).run;
    expect(got.info).toMatchObject({ status: 'FINISHED', run_name: 'logreg C=1', end_time: 1_700_000_010_000, experiment_id });
    expect(got.data.params).toEqual([{ key: 'C', value: '1.0' }, { key: 'penalty', value: 'l2' }]);
    expect(got.data.metrics.map((m: { key: string; value: number }) => [m.key, m.value])).toEqual([['accuracy', 0.9], ['loss', 0.4]]);
    expect(got.data.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'nlp' }, { key: 'stage', value: 'dev' }]));

    // and it is the lab's own record: listed, params as config fields, metrics as points, never resumable
    const mine = await lab.call('runs/get', { id: (await lab.call('runs/list', {})).rows[0].id });
    expect(mine).toMatchObject({ source: 'mlflow', status: 'completed', name: 'logreg C=1', config: { C: '1.0', penalty: 'l2' }, experimentId: Number(experiment_id) });
    expect(mine.tags).toEqual(['team=nlp', 'stage=dev']);
    const points = await lab.call('runs/metrics', { id: mine.id });
    expect(points.filter((p) => p.metric === 'accuracy').map((p) => [p.epoch, p.value])).toEqual([0, 1, 2, 3, 4].map((s) => [s, 0.5 + s / 10]));
    await expect(lab.call('runs/resume', { id: mine.id })).rejects.toThrow(/logged by a script/);
    const row = (await lab.call('runs/list', {})).rows[0];
    expect(row).toMatchObject({ source: 'mlflow', experiment: 'sklearn sweep' });
    expect(row.durationMs).toBeCloseTo(10_000, -1); // the script's start and end times, not when the lab heard of them
  });
});

describe('replays of what MLflow’s Python client sends', () => {
  /** mlflow.start_run(); log_param(s); log_metric(s) with steps; set_tag; end_run() — fields as the REST reference names them. */
  async function pythonRun(name: string, lr: string, accs: number[]): Promise<string> {
    const created = await call('runs/create', { experiment_id: '0', start_time: '1700000000000', run_name: name, tags: [{ key: 'mlflow.user', value: 'ana' }, { key: 'mlflow.source.name', value: 'train.py' }, { key: 'mlflow.runName', value: name }] });
    expect(created.status).toBe(200);
    const run_id = created.body.run.info.run_id;
    expect((await call('runs/log-parameter', { run_id, key: 'lr', value: lr })).status).toBe(200);
    expect((await call('runs/log-batch', { run_id, params: [{ key: 'epochs', value: '3' }], metrics: [], tags: [] })).status).toBe(200);
    const t = 1_700_000_000_000;
    expect((await call('runs/log-batch', { run_id, metrics: accs.map((value, step) => ({ key: 'acc', value, timestamp: String(t + step), step: String(step) })) })).status).toBe(200);
    expect((await call('runs/set-tag', { run_id, run_uuid: run_id, key: 'note', value: 'replay' })).status).toBe(200);
    expect((await call('runs/update', { run_id, run_uuid: run_id, status: 'FINISHED', end_time: t + 5000 })).status).toBe(200);
    return run_id;
  }

  it('search_runs(filter_string=…) with order_by, max_results and page tokens; GET with query parameters', async () => {
    const a = await pythonRun('a', '0.1', [0.5, 0.7, 0.9]);
    const b = await pythonRun('b', '0.01', [0.6, 0.8, 0.45]);
    const c = await pythonRun('c', '0.1', [0.2, 0.3, 0.4]);
    const search = (body: Record<string, unknown>) => call('runs/search', { experiment_ids: ['0'], ...body });
    // metrics compare their latest value: b ends at 0.45, below its best 0.8
    expect((await search({ filter: 'metrics.acc > 0.5' })).body.runs.map((r: any) => r.info.run_id)).toEqual([a]); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect((await search({ filter: "params.lr = '0.1' and metrics.acc < 0.5" })).body.runs.map((r: any) => r.info.run_id)).toEqual([c]); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect((await search({ filter: "tags.\"mlflow.user\" = 'ana' AND attributes.status = 'FINISHED' AND attributes.run_name LIKE 'b%'" })).body.runs.map((r: any) => r.info.run_id)).toEqual([b]); // eslint-disable-line @typescript-eslint/no-explicit-any
    const first = await search({ order_by: ['metrics.acc DESC'], max_results: 2 });
    expect(first.body.runs.map((r: any) => r.info.run_name)).toEqual(['a', 'b']); // eslint-disable-line @typescript-eslint/no-explicit-any
    const second = await search({ order_by: ['metrics.acc DESC'], max_results: 2, page_token: first.body.next_page_token });
    expect(second.body.runs.map((r: any) => r.info.run_name)).toEqual(['c']); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(second.body.next_page_token).toBeUndefined();
    const viaGet = await call(`metrics/get-history?run_id=${a}&metric_key=acc`);
    expect(viaGet.body.metrics.map((m: { value: number }) => m.value)).toEqual([0.5, 0.7, 0.9]);
    const byName = await call('experiments/get-by-name?experiment_name=Default');
    expect(byName.body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
  });

  it('MLflow’s error shape and codes', async () => {
    const run_id = await pythonRun('x', '0.1', [0.5]);
    const cases: [string, unknown, number, string, RegExp][] = [
      ['runs/get', { run_id: 'f'.repeat(32) }, 404, 'RESOURCE_DOES_NOT_EXIST', /not found/],
      ['runs/log-parameter', { run_id, key: 'lr', value: '0.5' }, 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/],
      ['runs/search', { experiment_ids: ['0'], filter: 'metrics.acc > 0.5 OR params.lr = 1' }, 400, 'INVALID_PARAMETER_VALUE', /OR is not supported/],
      ['runs/search', { experiment_ids: ['0'], filter: "metrics.acc > 'high'" }, 400, 'INVALID_PARAMETER_VALUE', /compare it with a number/],
      ['experiments/create', { name: 'Default' }, 400, 'RESOURCE_ALREADY_EXISTS', /already exists/],
      ['experiments/get', { experiment_id: '999' }, 404, 'RESOURCE_DOES_NOT_EXIST', /No Experiment/],
      ['runs/log-metric', { run_id, key: 'acc', value: 1, timestamp: 'soon' }, 400, 'INVALID_PARAMETER_VALUE', /whole number/],
      ['runs/log-batch', { run_id, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })) }, 400, 'INVALID_PARAMETER_VALUE', /1000/],
      ['artifacts/list', { run_id }, 404, 'ENDPOINT_NOT_FOUND', /does not store artifacts/],
      ['runs/frobnicate', {}, 404, 'ENDPOINT_NOT_FOUND', /No API endpoint/],
    ];
    for (const [path, body, status, code, words] of cases) {
      const r = await call(path, body);
      expect([path, r.status, r.body.error_code]).toEqual([path, status, code]);
      expect(r.body.message).toMatch(words);
    }
    const anonymous = await call('experiments/list', undefined, { token: 'wrong' });
    expect([anonymous.status, anonymous.body.error_code]).toEqual([401, 'UNAUTHENTICATED']);
    await call('runs/delete', { run_id });
    expect((await call('runs/log-metric', { run_id, key: 'acc', value: 1, timestamp: 1, step: 9 })).body.error_code).toBe('INVALID_STATE');
    expect((await call('runs/search', { experiment_ids: ['0'] })).body.runs).toEqual([]);
    expect((await call('runs/search', { experiment_ids: ['0'], run_view_type: 'DELETED_ONLY' })).body.runs).toHaveLength(1);
  });

  it('a script’s running run is not marked interrupted when the lab opens the database again', async () => {
    const created = await call('runs/create', { experiment_id: '0', start_time: Date.now() });
    const again = new Lab(lab.db.name);
    try {
      expect(again.interruptedAtStart).toBe(0);
      expect((await call(`runs/get?run_id=${created.body.run.info.run_id}`)).body.run.info.status).toBe('RUNNING');
    } finally {
      again.close();
    }
  });
});

describe('the desktop app’s tracking server', () => {
  it('starts on the chosen port (5000 when free, another when taken), serves only the tracking API, and stops', async () => {
    const { trackingServer } = await import('../../src-main/server/tracking');
    const { createServer } = await import('node:http');
    const door = trackingServer(lab);
    try {
      // hold 5000 if it is free, so the default must move aside and say so
      const blocker = createServer();
      const held = await new Promise<boolean>((resolve) => blocker.once('error', () => resolve(false)).listen(5000, '127.0.0.1', () => resolve(true)));
      const s = await door.start();
      expect(s.running).toBe(true);
      expect(s.port).not.toBe(5000);
      if (held) expect(s.note).toMatch(/port 5000 is in use/);
      if (held) await new Promise((r) => blocker.close(r));
      const token = /MLFLOW_TRACKING_TOKEN=(\S+)/.exec(s.exports!)![1];
      const url = `http://127.0.0.1:${s.port}`;
      const created = await fetch(`${url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'desk' }) });
      expect(created.status).toBe(200);
      expect((await fetch(`${url}/api/db/info`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(404); // no lab API here
      expect((await fetch(`${url}/api/2.0/mlflow/experiments/list`, { headers: { authorization: `Bearer ${served.token}` } })).status).toBe(401); // its own token
      expect((await door.stop()).running).toBe(false);
      await expect(fetch(`${url}/api/2.0/mlflow/experiments/list`)).rejects.toThrow();
      const chosen = await door.start(s.port!);
      expect(chosen.port).toBe(s.port);
      expect(chosen.exports).not.toContain(token); // a new token each start
    } finally {
      await door.close();
    }
  });

  it('serve mode reports its tracking API on its own port, always on', async () => {
    const s = await lab.call('tracking/status', {});
    expect(s).toMatchObject({ running: true, port: served.port, canStop: false });
    expect(s.exports).toBe(`export MLFLOW_TRACKING_URI=http://127.0.0.1:${served.port}\nexport MLFLOW_TRACKING_TOKEN=${served.token}`);
  });
});
