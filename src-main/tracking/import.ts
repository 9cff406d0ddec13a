import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LabError, excerpt } from '../api/errors';
import * as store from '../store';

/**
 * Reads the stores MLflow users already have on disk into the lab: a file store
 * (`mlruns/`: meta.yaml per experiment and run, metrics/<key> lines "timestamp value
 * step", params/<key>, tags/<key>, keys with slashes as nested files) or an MLflow SQLite
 * tracking database (`mlflow.db`). Experiments are matched by name, runs by MLflow's run
 * id, so importing again adds nothing; each run is stored in its own transaction, and a
 * run that cannot be read is reported and skipped, never stopping the rest.
 */
export interface ImportSummary { experiments: number; runs: number; alreadyThere: number; points: number; problems: string[] }
export type ImportProgress = (done: number, total: number, message: string) => void;

/** MLflow's RunStatus enum as file stores write it in meta.yaml. */
const FILE_STATUS: Record<number, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

export function importMlflow(db: store.Db, path: string, progress: ImportProgress = () => {}): ImportSummary {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new LabError('not_found', `${excerpt(path, 120)}: no such file or folder`);
  }
  if (st.isDirectory()) return importFileStore(db, path, progress);
  const head = readFileSync(path).subarray(0, 16).toString('latin1');
  if (head !== 'SQLite format 3\u0000') throw new LabError('invalid_input', `${excerpt(path, 120)} is neither an MLflow file store (a folder such as mlruns/) nor an MLflow SQLite database`);
  return importSqlite(db, path, progress);
}

function count(summary: ImportSummary, result: 'added' | 'exists', points: number): void {
  if (result === 'exists') return void summary.alreadyThere++;
  summary.runs++;
  summary.points += points;
}

const numberOrNull = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** Files under `dir`, as keys relative to it with '/' (nested metric names). */
function keyedFiles(dir: string): [string, string][] {
  if (!existsSync(dir)) return [];
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push([relative(dir, full).split(sep).join('/'), full]);
    }
  };
  walk(dir);
  return out;
}

function readMetricFile(key: string, file: string): store.LoggedMetric[] {
  const out: store.LoggedMetric[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return; // a blank line, as an interrupted writer leaves
    const [ts, value, step] = line.trim().split(/\s+/);
    const m = { key, timestamp: Number(ts), value: Number(value), step: step === undefined ? 0 : Number(step) };
    if (!Number.isFinite(m.timestamp) || Number.isNaN(m.value) || !Number.isInteger(m.step))
      throw new Error(`metrics/${key} line ${i + 1}: '${excerpt(line, 60)}' is not "timestamp value step"`);
    out.push(m);
  });
  return out;
}

function importFileStore(db: store.Db, root: string, progress: ImportProgress): ImportSummary {
  const summary: ImportSummary = { experiments: 0, runs: 0, alreadyThere: 0, points: 0, problems: [] };
  const experimentDirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'meta.yaml')))
    .map((e) => join(root, e.name));
  // deleted experiments sit in .trash/
  const trash = join(root, '.trash');
  if (existsSync(trash)) for (const e of readdirSync(trash, { withFileTypes: true })) if (e.isDirectory() && existsSync(join(trash, e.name, 'meta.yaml'))) experimentDirs.push(join(trash, e.name));
  if (!experimentDirs.length) throw new LabError('invalid_input', `${excerpt(root, 120)} holds no MLflow experiment (no <id>/meta.yaml): point at the mlruns folder itself`);
  const runDirs = experimentDirs.flatMap((d) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(d, e.name, 'meta.yaml'))).map((e) => ({ exp: d, dir: join(d, e.name) })));
  const experimentIds = new Map<string, number>();
  for (const d of experimentDirs) {
    try {
      const meta = (parseYaml(readFileSync(join(d, 'meta.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
      const tags = Object.fromEntries(keyedFiles(join(d, 'tags')).map(([k, f]) => [k, readFileSync(f, 'utf8')]));
      const before = db.prepare('SELECT count(*) FROM experiments').pluck().get() as number;
      experimentIds.set(d, store.ensureExperiment(db, { name: String(meta.name ?? `experiment ${meta.experiment_id}`), artifactLocation: String(meta.artifact_location ?? ''), lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active', tags, createdMs: numberOrNull(meta.creation_time) ?? undefined }));
      if ((db.prepare('SELECT count(*) FROM experiments').pluck().get() as number) > before) summary.experiments++;
    } catch (e) {
      summary.problems.push(`experiment ${relative(root, d)}: ${(e as Error).message}`);
    }
  }
  runDirs.forEach(({ exp, dir }, n) => {
    const where = relative(root, dir);
    try {
      const experimentId = experimentIds.get(exp);
      if (experimentId === undefined) throw new Error('its experiment could not be read');
      const meta = (parseYaml(readFileSync(join(dir, 'meta.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
      // the folder's name, as MLflow's file store finds runs: YAML reads an unquoted id of digits (and one 'e') as a number
      const runId = basename(dir);
      if (!/^[0-9a-zA-Z-]+$/.test(runId)) throw new Error(`'${excerpt(runId, 40)}' is not an MLflow run id`);
      const metrics = keyedFiles(join(dir, 'metrics')).flatMap(([k, f]) => readMetricFile(k, f));
      const params = Object.fromEntries(keyedFiles(join(dir, 'params')).map(([k, f]) => [k, readFileSync(f, 'utf8')]));
      const tags = Object.fromEntries(keyedFiles(join(dir, 'tags')).map(([k, f]) => [k, readFileSync(f, 'utf8')]));
      const status = typeof meta.status === 'number' ? FILE_STATUS[meta.status] ?? 'FAILED' : String(meta.status ?? 'FINISHED');
      const r = store.importTrackedRun(db, {
        runId, experimentId, name: String(meta.run_name ?? tags['mlflow.runName'] ?? ''), userId: String(meta.user_id ?? ''), status,
        startMs: numberOrNull(meta.start_time), endMs: numberOrNull(meta.end_time), lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active', params, tags, metrics,
      });
      count(summary, r, metrics.length);
    } catch (e) {
      summary.problems.push(`run ${where}: ${(e as Error).message}`);
    }
    progress(n + 1, runDirs.length, `${n + 1} of ${runDirs.length} runs read`);
  });
  return summary;
}

function importSqlite(db: store.Db, path: string, progress: ImportProgress): ImportSummary {
  let src: Database.Database;
  try {
    src = new Database(path, { readonly: true, fileMustExist: true });
    src.prepare('SELECT run_uuid FROM runs LIMIT 1').get();
  } catch (e) {
    throw new LabError('invalid_input', `${excerpt(path, 120)} is an SQLite file but not an MLflow tracking database (${(e as Error).message})`);
  }
  const summary: ImportSummary = { experiments: 0, runs: 0, alreadyThere: 0, points: 0, problems: [] };
  try {
    const experimentIds = new Map<string, number>();
    const tagsOf = (table: string, col: string, id: string) => Object.fromEntries(src.prepare(`SELECT key, value FROM ${table} WHERE ${col} = ?`).raw().all(id) as [string, string][]);
    for (const e of src.prepare('SELECT * FROM experiments').all() as Record<string, unknown>[]) {
      const before = db.prepare('SELECT count(*) FROM experiments').pluck().get() as number;
      experimentIds.set(String(e.experiment_id), store.ensureExperiment(db, { name: String(e.name), artifactLocation: String(e.artifact_location ?? ''), lifecycleStage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active', tags: tagsOf('experiment_tags', 'experiment_id', String(e.experiment_id)), createdMs: numberOrNull(e.creation_time) ?? undefined }));
      if ((db.prepare('SELECT count(*) FROM experiments').pluck().get() as number) > before) summary.experiments++;
    }
    const runs = src.prepare('SELECT * FROM runs').all() as Record<string, unknown>[];
    const metricsOf = src.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp');
    runs.forEach((r, n) => {
      const runId = String(r.run_uuid);
      try {
        const experimentId = experimentIds.get(String(r.experiment_id));
        if (experimentId === undefined) throw new Error(`experiment ${String(r.experiment_id)} is missing`);
        const metrics = (metricsOf.all(runId) as { key: string; value: number; timestamp: number; step: number; is_nan: number | null }[])
          .filter((m) => !m.is_nan)
          .map((m) => ({ key: m.key, value: m.value, timestamp: Number(m.timestamp), step: Number(m.step) }));
        const tags = tagsOf('tags', 'run_uuid', runId);
        const status = store.importTrackedRun(db, {
          runId, experimentId, name: String(r.name ?? tags['mlflow.runName'] ?? ''), userId: String(r.user_id ?? ''), status: String(r.status ?? 'FINISHED'),
          startMs: numberOrNull(r.start_time), endMs: numberOrNull(r.end_time), lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
          params: tagsOf('params', 'run_uuid', runId), tags, metrics,
        });
        count(summary, status, metrics.length);
      } catch (e) {
        summary.problems.push(`run ${runId}: ${(e as Error).message}`);
      }
      progress(n + 1, runs.length, `${n + 1} of ${runs.length} runs read`);
    });
  } finally {
    src.close();
  }
  return summary;
}
