import Papa from 'papaparse';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type Run, configField } from './api/schemas';
import * as store from './store';

/**
 * Exports written as they are read: one run at a time, the event loop free between runs
 * (so other API calls answer while 10,000 runs stream out), memory bounded by one run.
 * `long`: every metric point (run_id, epoch, step, task, metric, value, attention, wall_ms);
 * `wide`: one row per run, its config fields and final metrics (what goes into a spreadsheet).
 */
export type ExportShape = 'long' | 'wide';
const LONG = ['run_id', 'epoch', 'step', 'task', 'metric', 'value', 'attention', 'wall_ms'];
const csv = (rows: unknown[][]) => Papa.unparse(rows, { newline: '\n' }) + '\n';
const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v);

export async function* exportStream(db: store.Db, ids: readonly number[], format: 'csv' | 'json', shape: ExportShape, metrics: readonly string[] = []): AsyncGenerator<string> {
  if (shape === 'wide') return yield* wide(db, ids, format, metrics);
  yield format === 'csv' ? csv([LONG]) : ids.length === 1 ? '' : '[\n';
  for (const [i, id] of ids.entries()) {
    const run = store.getRun(db, id), points = store.readMetrics(db, id);
    if (format === 'csv') yield points.length ? csv(points.map((p) => [run.id, p.epoch, p.step, p.task, p.metric, p.value, p.attention, p.wallMs])) : '';
    else yield (i ? ',\n' : '') + JSON.stringify({ run, metrics: points }, null, 2);
    await yieldToLoop();
  }
  if (format === 'json') yield ids.length === 1 ? '' : '\n]';
}

async function* wide(db: store.Db, ids: readonly number[], format: 'csv' | 'json', metrics: readonly string[]): AsyncGenerator<string> {
  // the columns first: every config field and every (metric, task) final any of the runs has
  const idList = JSON.stringify(ids);
  const keys = db.prepare("SELECT DISTINCT j.key FROM runs r, json_each(r.config) j WHERE r.id IN (SELECT value FROM json_each(?)) AND j.key NOT IN ('tasks', 'solveId') ORDER BY j.key").pluck().all(idList) as string[];
  const finals = db.prepare(`SELECT DISTINCT metric, task FROM run_finals WHERE run_id IN (SELECT value FROM json_each(?)) AND metric IN (SELECT value FROM json_each(?)) ORDER BY metric, task`).raw().all(idList, JSON.stringify(metrics)) as [string, string][];
  const finalCol = ([m, t]: [string, string]) => (t ? `${m}[${t}]` : m);
  const header = ['id', 'name', 'status', 'task_set', 'seed', 'tags', 'notes', 'started_at', 'duration_s', ...keys.map((k) => `config.${k}`), ...finals.map(finalCol)];
  const get = db.prepare('SELECT metric, task, value FROM run_finals WHERE run_id = ?').raw();
  const setName = db.prepare('SELECT name FROM task_sets WHERE id = ?').pluck();
  yield format === 'csv' ? csv([header]) : '[\n';
  for (let i = 0; i < ids.length; i += 200) {
    const rows = ids.slice(i, i + 200).map((id) => {
      const r: Run = store.getRun(db, id);
      const f = new Map((get.all(id) as [string, string, number][]).map(([m, t, v]) => [`${m}\u0000${t}`, v]));
      const duration = r.startedAt && r.finishedAt ? (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000 : null;
      return [r.id, r.name, r.status, r.taskSetId === null ? null : setName.get(r.taskSetId), r.seed, r.tags.join(' '), r.notes, r.startedAt, duration,
        ...keys.map((k) => configField(r.config, k)), ...finals.map(([m, t]) => f.get(`${m}\u0000${t}`) ?? null)].map(cell);
    });
    yield format === 'csv' ? csv(rows) : rows.map((row, k) => (i + k ? ',\n' : '') + JSON.stringify(Object.fromEntries(header.map((h, j) => [h, row[j] === '' ? null : row[j]])))).join('');
    await yieldToLoop();
  }
  if (format === 'json') yield '\n]\n';
}

export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}

export const exportName = (ids: readonly number[], format: 'csv' | 'json', shape: ExportShape) =>
  `${shape === 'wide' ? 'runs-wide' : ids.length === 1 ? `run-${ids[0]}` : `runs-${ids.length}`}.${format}`;
