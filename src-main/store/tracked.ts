import { randomBytes } from 'node:crypto';
import type { RunStatus } from '../api/schemas';
import { TrackingError } from '../tracking/errors';
import { filterSql, orderSql } from '../tracking/filter';
import { type Db, cached, writeTx } from './db';
import { appendMetrics, isSealed, readCurves } from './metrics';
import { setRunStatus } from './runs';

/**
 * Experiments and the runs any script logs through the MLflow-compatible tracking API.
 * They are the lab's own records: a tracked run is a row of `runs` (source 'mlflow') whose
 * params are its config fields and whose metrics are metric points (epoch = step), so
 * Runs and Compare show, group, diff and export them as they do the lab's own runs.
 */
export interface Experiment { id: number; name: string; artifactLocation: string; lifecycleStage: 'active' | 'deleted'; tags: Record<string, string>; createdMs: number; updatedMs: number }
interface ExperimentRow { id: number; name: string; artifact_location: string; lifecycle_stage: 'active' | 'deleted'; tags: string; created_ms: number; updated_ms: number }
const toExperiment = (r: ExperimentRow): Experiment => ({ id: r.id, name: r.name, artifactLocation: r.artifact_location, lifecycleStage: r.lifecycle_stage, tags: JSON.parse(r.tags), createdMs: r.created_ms, updatedMs: r.updated_ms });

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
const stageSql = (v: ViewType | undefined, col: string) => (v === 'ALL' ? '1' : v === 'DELETED_ONLY' ? `${col} = 'deleted'` : `${col} = 'active'`);

export function createExperiment(db: Db, name: string, artifactLocation = '', tags: Record<string, string> = {}): number {
  if (!name.trim()) throw new TrackingError('INVALID_PARAMETER_VALUE', "'name' must be a non-empty string");
  return writeTx(db, () => {
    if (db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(name)) throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    const t = Date.now();
    return Number(db.prepare('INSERT INTO experiments (name, artifact_location, tags, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)').run(name, artifactLocation, JSON.stringify(tags), t, t).lastInsertRowid);
  });
}

export function getExperiment(db: Db, id: number): Experiment {
  const r = db.prepare<[number], ExperimentRow>('SELECT * FROM experiments WHERE id = ?').get(id);
  if (!r) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
  return toExperiment(r);
}

export function experimentByName(db: Db, name: string): Experiment {
  const r = db.prepare<[string], ExperimentRow>('SELECT * FROM experiments WHERE name = ?').get(name);
  if (!r) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
  return toExperiment(r);
}

export function searchExperiments(db: Db, o: { viewType?: ViewType; maxResults: number; offset: number; nameLike?: string }): { experiments: Experiment[]; more: boolean } {
  const rows = db
    .prepare<unknown[], ExperimentRow>(`SELECT * FROM experiments WHERE ${stageSql(o.viewType, 'lifecycle_stage')} AND (? IS NULL OR name LIKE ?) ORDER BY id LIMIT ? OFFSET ?`)
    .all(o.nameLike ?? null, o.nameLike ?? null, o.maxResults + 1, o.offset);
  return { experiments: rows.slice(0, o.maxResults).map(toExperiment), more: rows.length > o.maxResults };
}

export function updateExperiment(db: Db, id: number, patch: { name?: string; lifecycleStage?: 'active' | 'deleted'; tag?: [string, string] }): void {
  writeTx(db, () => {
    const e = getExperiment(db, id);
    if (patch.name !== undefined && patch.name !== e.name && db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(patch.name))
      throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Experiment '${patch.name}' already exists.`);
    const tags = patch.tag ? { ...e.tags, [patch.tag[0]]: patch.tag[1] } : e.tags;
    db.prepare('UPDATE experiments SET name = ?, lifecycle_stage = ?, tags = ?, updated_ms = ? WHERE id = ?')
      .run(patch.name ?? e.name, patch.lifecycleStage ?? e.lifecycleStage, JSON.stringify(tags), Date.now(), id);
  });
}

/** A tracked run as the tracking API shows it. */
export interface TrackedRun {
  id: number; runId: string; name: string; experimentId: number; userId: string; status: RunStatus;
  startMs: number | null; endMs: number | null; lifecycleStage: 'active' | 'deleted';
  params: Record<string, string>; tags: Record<string, string>;
}
interface TrackedRow { id: number; external_id: string; name: string; experiment_id: number; user_id: string; status: RunStatus; start_ms: number | null; end_ms: number | null; lifecycle_stage: 'active' | 'deleted'; config: string; kv_tags: string }
const toTracked = (r: TrackedRow): TrackedRun => ({
  id: r.id, runId: r.external_id, name: r.name, experimentId: r.experiment_id, userId: r.user_id, status: r.status,
  startMs: r.start_ms, endMs: r.end_ms, lifecycleStage: r.lifecycle_stage, params: JSON.parse(r.config), tags: JSON.parse(r.kv_tags),
});
const COLUMNS = 'r.id, r.external_id, r.name, r.experiment_id, r.user_id, r.status, r.start_ms, r.end_ms, r.lifecycle_stage, r.config, r.kv_tags';

/**
 * A tracked run's seed: its `seed` param when that is a whole number (as a script logs
 * `seed=3`), so Runs, `seed:3` queries and grouping by seed see it; 0 (the column's
 * default) when it logged none or something else ('random', '1.5').
 */
export const seedOf = (params: Record<string, string>): number => (/^\s*\d{1,15}\s*$/.test(params.seed ?? '') ? Number(params.seed) : 0);

/** User tags as the lab's run tags ("key" or "key=value"); MLflow's own (mlflow.*) stay out of the way. */
const labTags = (tags: Record<string, string>) => Object.entries(tags).filter(([k]) => !k.startsWith('mlflow.')).map(([k, v]) => (v ? `${k}=${v}` : k));

export function createTrackedRun(db: Db, o: { experimentId: number; name?: string; userId?: string; startMs?: number; tags?: Record<string, string> }): TrackedRun {
  return writeTx(db, () => {
    const e = getExperiment(db, o.experimentId);
    if (e.lifecycleStage !== 'active') throw new TrackingError('INVALID_STATE', `The experiment ${e.id} must be in the 'active' state.`);
    const tags = { ...o.tags };
    const name = o.name || tags['mlflow.runName'] || `run-${randomBytes(3).toString('hex')}`;
    tags['mlflow.runName'] = name;
    const runId = randomBytes(16).toString('hex');
    const start = o.startMs ?? Date.now();
    const id = Number(db.prepare(
      `INSERT INTO runs (name, config, status, seed, created_at, started_at, tags, environment, source, experiment_id, external_id, kv_tags, user_id, start_ms)
       VALUES (?, '{}', 'running', 0, ?, ?, ?, '{}', 'mlflow', ?, ?, ?, ?, ?)`,
    ).run(name, new Date(start).toISOString(), new Date(start).toISOString(), JSON.stringify(labTags(tags)), e.id, runId, JSON.stringify(tags), o.userId ?? tags['mlflow.user'] ?? '', start).lastInsertRowid);
    return getTrackedRun(db, runId, id);
  });
}

/** By MLflow's run id; `id` (the lab's) when it is known already. */
export function getTrackedRun(db: Db, runId: string, id?: number): TrackedRun {
  const r = id !== undefined
    ? (cached(db, `SELECT ${COLUMNS} FROM runs r WHERE r.id = ?`).get(id) as TrackedRow | undefined)
    : (cached(db, `SELECT ${COLUMNS} FROM runs r WHERE r.external_id = ?`).get(runId) as TrackedRow | undefined);
  if (!r) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
  return toTracked(r);
}

/** The lab's id of a tracked run that may be written to (active, not deleted). */
function writable(db: Db, runId: string): TrackedRun {
  const r = getTrackedRun(db, runId);
  if (r.lifecycleStage !== 'active') throw new TrackingError('INVALID_STATE', `The run ${runId} must be in the 'active' state. Current state is ${r.lifecycleStage}.`);
  return r;
}

export interface LoggedMetric { key: string; value: number; timestamp: number; step: number }

/** Each key's latest point as MLflow defines it (largest step, then timestamp; the later logged on a tie). */
function latestByKey(metrics: readonly LoggedMetric[]): LoggedMetric[] {
  const latest = new Map<string, LoggedMetric>();
  for (const m of metrics) {
    const l = latest.get(m.key);
    if (!l || m.step > l.step || (m.step === l.step && m.timestamp >= l.timestamp)) latest.set(m.key, m);
  }
  return [...latest.values()];
}

/**
 * Logs params, metrics and tags of one run in one transaction, as log-batch does: a param
 * logged again with another value is refused (MLflow's params are immutable) and nothing is
 * stored. Metrics are metric points (epoch = step, wall time from the run's start) and move
 * the run's latest value of their key when they are at least as late.
 */
export function logBatch(db: Db, runId: string, b: { metrics?: LoggedMetric[]; params?: [string, string][]; tags?: [string, string][] }): void {
  writeTx(db, () => {
    const r = writable(db, runId);
    if (b.params?.length) {
      const params = { ...r.params };
      for (const [k, v] of b.params) {
        if (k in params && params[k] !== v)
          throw new TrackingError('INVALID_PARAMETER_VALUE', `Changing param values is not allowed. Param with key='${k}' was already logged with value='${params[k]}' for run ID='${runId}'. Attempted logging new value '${v}'.`);
        params[k] = v;
      }
      db.prepare('UPDATE runs SET config = ?, seed = ? WHERE id = ?').run(JSON.stringify(params), seedOf(params), r.id);
    }
    if (b.tags?.length) setTags(db, r, Object.fromEntries(b.tags), []);
    if (b.metrics?.length) {
      const start = r.startMs ?? 0;
      appendMetrics(db, r.id, b.metrics.map((m) => ({ epoch: m.step, step: m.step, task: '', metric: m.key, value: m.value, attention: 0, wallMs: m.timestamp - start })));
      const latest = cached(db,
        `INSERT INTO latest_metrics (run_id, key, value, step, ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts = excluded.ts
         WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.ts >= latest_metrics.ts)`,
      );
      for (const m of latestByKey(b.metrics)) latest.run(r.id, m.key, m.value, m.step, m.timestamp);
    }
  });
}

function setTags(db: Db, r: TrackedRun, set: Record<string, string>, remove: string[]): void {
  const tags = { ...r.tags, ...set };
  for (const k of remove) delete tags[k];
  const name = set['mlflow.runName'] ?? r.name;
  db.prepare('UPDATE runs SET kv_tags = ?, tags = ?, name = ? WHERE id = ?').run(JSON.stringify(tags), JSON.stringify(labTags(tags)), name, r.id);
}

export function deleteTag(db: Db, runId: string, key: string): void {
  writeTx(db, () => {
    const r = writable(db, runId);
    if (!(key in r.tags)) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
    setTags(db, r, {}, [key]);
  });
}

const STATUS: Record<string, RunStatus> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'completed', FAILED: 'failed', KILLED: 'cancelled' };
export const MLFLOW_STATUS: Record<RunStatus, string> = { running: 'RUNNING', queued: 'SCHEDULED', completed: 'FINISHED', failed: 'FAILED', cancelled: 'KILLED', interrupted: 'FAILED' };

export function updateTrackedRun(db: Db, runId: string, o: { status?: string; endMs?: number; name?: string }): TrackedRun {
  return writeTx(db, () => {
    const r = getTrackedRun(db, runId);
    if (o.status !== undefined) {
      const status = STATUS[o.status];
      if (!status) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid value '${o.status}' for parameter 'status': one of ${Object.keys(STATUS).join(', ')}`);
      setRunStatus(db, r.id, status);
      const end = status === 'running' || status === 'queued' ? null : o.endMs ?? Date.now();
      // the script's clock, not ours: a run that says it ended at T ended at T (durations read these)
      db.prepare('UPDATE runs SET end_ms = ?, finished_at = ? WHERE id = ?').run(end, end === null ? null : new Date(end).toISOString(), r.id);
    } else if (o.endMs !== undefined) db.prepare('UPDATE runs SET end_ms = ? WHERE id = ?').run(o.endMs, r.id);
    if (o.name) setTags(db, getTrackedRun(db, runId), { 'mlflow.runName': o.name }, []);
    return getTrackedRun(db, runId);
  });
}

export function setTrackedLifecycle(db: Db, runId: string, stage: 'active' | 'deleted'): void {
  const r = getTrackedRun(db, runId);
  db.prepare('UPDATE runs SET lifecycle_stage = ? WHERE id = ?').run(stage, r.id);
}

export function latestMetrics(db: Db, id: number): LoggedMetric[] {
  return (cached(db, 'SELECT key, value, step, ts FROM latest_metrics WHERE run_id = ? ORDER BY key').all(id) as { key: string; value: number; step: number; ts: number }[]).map((m) => ({ key: m.key, value: m.value, step: m.step, timestamp: m.ts }));
}

/** A metric's history in logging order (step, then time), a page at a time. */
export function metricHistory(db: Db, runId: string, key: string, maxResults: number, offset: number): { metrics: LoggedMetric[]; more: boolean } {
  const r = getTrackedRun(db, runId);
  // a finished run's points are kept packed, in logging order; a live run's are in the log
  const packed = readCurves(db, [r.id], key).find((c) => c.task === '');
  const rows = packed && isSealed(db, r.id)
    ? packed.step.slice(offset, offset + maxResults + 1).map((step, i) => ({ value: packed.value[offset + i], step, wall_ms: packed.wallMs[offset + i] }))
    : db
      .prepare<unknown[], { value: number; step: number; wall_ms: number }>("SELECT value, step, wall_ms FROM metric_points WHERE run_id = ? AND metric = ? AND task = '' ORDER BY step, wall_ms, rowid LIMIT ? OFFSET ?")
      .all(r.id, key, maxResults + 1, offset);
  return { metrics: rows.slice(0, maxResults).map((p) => ({ key, value: p.value, step: p.step, timestamp: Math.round((r.startMs ?? 0) + p.wall_ms) })), more: rows.length > maxResults };
}

export function searchTrackedRuns(db: Db, o: { experimentIds: number[]; filter?: string; viewType?: ViewType; orderBy?: string[]; maxResults: number; offset: number }): { runs: TrackedRun[]; more: boolean } {
  const f = filterSql(o.filter), ord = orderSql(o.orderBy);
  const rows = db
    .prepare<unknown[], TrackedRow>(
      `SELECT ${COLUMNS} FROM runs r WHERE r.experiment_id IN (${o.experimentIds.map(() => '?').join(', ') || 'NULL'})
       AND ${stageSql(o.viewType, 'r.lifecycle_stage')} AND (${f.where}) ORDER BY ${ord.where} LIMIT ? OFFSET ?`,
    )
    .all(...o.experimentIds, ...f.args, ...ord.args, o.maxResults + 1, o.offset);
  return { runs: rows.slice(0, o.maxResults).map(toTracked), more: rows.length > o.maxResults };
}

/** A run read from an MLflow store, whole. */
export interface ImportedRun {
  runId: string; experimentId: number; name: string; userId: string; status: string; startMs: number | null; endMs: number | null;
  lifecycleStage: 'active' | 'deleted'; params: Record<string, string>; tags: Record<string, string>; metrics: LoggedMetric[];
}

/**
 * Stores one imported run in one transaction, keyed by MLflow's run id: a run imported
 * before is left as it is ('exists'), so importing a store again adds nothing.
 */
export function importTrackedRun(db: Db, r: ImportedRun): 'added' | 'exists' {
  return writeTx(db, () => {
    if (db.prepare('SELECT 1 FROM runs WHERE external_id = ?').get(r.runId)) return 'exists';
    const status = STATUS[r.status] ?? 'failed';
    const name = r.name || r.tags['mlflow.runName'] || r.runId.slice(0, 8);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const id = Number(db.prepare(
      `INSERT INTO runs (name, config, status, seed, created_at, started_at, finished_at, tags, environment, source, experiment_id, external_id, lifecycle_stage, kv_tags, user_id, start_ms, end_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'mlflow', ?, ?, ?, ?, ?, ?, ?)`,
    ).run(name, JSON.stringify(r.params), status, seedOf(r.params), iso(r.startMs) ?? new Date().toISOString(), iso(r.startMs), status === 'running' || status === 'queued' ? null : iso(r.endMs),
      JSON.stringify(labTags(r.tags)), JSON.stringify({ importedFrom: 'mlflow' }), r.experimentId, r.runId, r.lifecycleStage, JSON.stringify(r.tags), r.userId, r.startMs, r.endMs).lastInsertRowid);
    if (r.metrics.length) {
      const start = r.startMs ?? 0;
      appendMetrics(db, id, r.metrics.map((m) => ({ epoch: Math.max(0, m.step), step: Math.max(0, m.step), task: '', metric: m.key, value: m.value, attention: 0, wallMs: m.timestamp - start })));
      const put = db.prepare('INSERT INTO latest_metrics (run_id, key, value, step, ts) VALUES (?, ?, ?, ?, ?)');
      for (const m of latestByKey(r.metrics)) put.run(id, m.key, m.value, m.step, m.timestamp);
    }
    if (status !== 'running' && status !== 'queued') {
      setRunStatus(db, id, status, { error: null }); // packs its curves, as any stopped run's
      db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run(iso(r.endMs), id); // when it ended, not when it was imported
    }
    return 'added';
  });
}

/** The experiment of this name, made when missing (imports match experiments by name). */
export function ensureExperiment(db: Db, e: { name: string; artifactLocation?: string; lifecycleStage?: 'active' | 'deleted'; tags?: Record<string, string>; createdMs?: number }): number {
  const found = db.prepare<[string], { id: number }>('SELECT id FROM experiments WHERE name = ?').get(e.name);
  if (found) return found.id;
  const t = e.createdMs ?? Date.now();
  return Number(db.prepare('INSERT INTO experiments (name, artifact_location, lifecycle_stage, tags, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)')
    .run(e.name, e.artifactLocation ?? '', e.lifecycleStage ?? 'active', JSON.stringify(e.tags ?? {}), t, t).lastInsertRowid);
}
