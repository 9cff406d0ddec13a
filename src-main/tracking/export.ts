import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { LabError, excerpt } from '../api/errors';
import * as store from '../store';

/**
 * Writes runs as an MLflow file store that MLflow itself reads (`mlflow ui
 * --backend-store-uri DIR`), so nothing logged in the lab is locked in. Tracked runs keep
 * their experiment, run id, params, tags and metric history; the lab's own runs go to an
 * experiment "Attention Lab" with their config as params and each task's metrics as
 * "task/metric" by epoch.
 */
export function exportMlflow(db: store.Db, ids: number[], dir: string): { experiments: number; runs: number; points: number } {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length) throw new LabError('conflict', `${excerpt(root, 120)} is not empty: export into a new or empty folder`);
  const experiments = new Map<string, { id: string; dir: string }>();
  let next = 1, points = 0;
  const experiment = (name: string, stage: 'active' | 'deleted', created: number) => {
    let e = experiments.get(name);
    if (!e) {
      const id = name === 'Default' ? '0' : String(next++);
      e = { id, dir: join(root, id) };
      mkdirSync(e.dir, { recursive: true });
      writeFileSync(join(e.dir, 'meta.yaml'), stringify({ artifact_location: pathToFileURL(e.dir).href, creation_time: created, experiment_id: id, last_update_time: created, lifecycle_stage: stage, name }));
      experiments.set(name, e);
    }
    return e;
  };
  experiment('Default', 'active', Date.now()); // MLflow expects experiment 0
  for (const id of ids) {
    const run = store.getRun(db, id);
    const tracked = run.source === 'mlflow' ? store.getTrackedRun(db, '', id) : null;
    const e = tracked ? store.getExperiment(db, tracked.experimentId) : null;
    const exp = experiment(e?.name ?? 'Attention Lab', e?.lifecycleStage ?? 'active', e?.createdMs ?? Date.now());
    const runId = tracked?.runId ?? randomBytes(16).toString('hex');
    const start = tracked?.startMs ?? Date.parse(run.startedAt ?? run.createdAt);
    const end = tracked ? tracked.endMs : run.finishedAt ? Date.parse(run.finishedAt) : null;
    const runDir = join(exp.dir, runId);
    mkdirSync(join(runDir, 'artifacts'), { recursive: true });
    writeFileSync(join(runDir, 'meta.yaml'), stringify({
      artifact_uri: pathToFileURL(join(runDir, 'artifacts')).href, end_time: end, entry_point_name: '', experiment_id: exp.id,
      lifecycle_stage: tracked?.lifecycleStage ?? 'active', run_id: runId, run_name: run.name, run_uuid: runId, source_name: '', source_type: 4,
      source_version: '', start_time: start, status: ({ running: 1, queued: 2, completed: 3, failed: 4, cancelled: 5, interrupted: 4 } as const)[run.status], tags: [], user_id: tracked?.userId ?? '',
    }));
    // a lab run's seed is a column, not config: as the `seed` param it comes back on import
    const params = tracked ? tracked.params : { ...flatten(run.config), seed: String(run.seed) };
    const tags = tracked ? tracked.tags : { 'mlflow.runName': run.name, 'attention_lab.run_id': String(run.id), ...Object.fromEntries(run.tags.map((t) => [t, ''])) };
    writeKeyed(join(runDir, 'params'), params);
    writeKeyed(join(runDir, 'tags'), tags);
    const series = new Map<string, string[]>();
    for (const p of store.readMetrics(db, id)) {
      const key = tracked || !p.task ? p.metric : `${p.task}/${p.metric}`;
      const step = tracked ? p.step : p.epoch;
      (series.get(key) ?? series.set(key, []).get(key)!).push(`${Math.round(start + p.wallMs)} ${p.value} ${step}`);
      points++;
    }
    writeKeyed(join(runDir, 'metrics'), Object.fromEntries([...series].map(([k, lines]) => [k, `${lines.join('\n')}\n`])));
  }
  return { experiments: experiments.size, runs: ids.length, points };
}

/** Nested config as MLflow params: "tasks.0.pi" → "0.25"; strings as they are, the rest as JSON. */
function flatten(v: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, x] of Object.entries(v)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (x !== null && typeof x === 'object') flatten(x as Record<string, unknown>, key, out);
    else out[key] = typeof x === 'string' ? x : JSON.stringify(x);
  }
  return out;
}

/** One file per key; a key with slashes is a nested file, as MLflow writes it. */
function writeKeyed(dir: string, values: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(values)) {
    if (k.split('/').some((part) => part === '..' || part === '.' || part === '')) continue; // a key that would leave its folder
    const file = join(dir, ...k.split('/'));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, v);
  }
}
