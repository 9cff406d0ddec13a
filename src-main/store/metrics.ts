import { LabError } from '../api/errors';
import type { MetricPoint } from '../api/schemas';
import { type Db, cached, writeTx } from './db';
import { recomputeFinals, updateFinals } from './finals';

/** Most rows per INSERT statement: one JS→C crossing for many rows is what makes batches fast. */
const CHUNK = 128;
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
const stmt = cached;
const insertSql = Array.from({ length: CHUNK + 1 }, (_, rows) =>
  `INSERT INTO metric_points (run_id, metric, task, epoch, step, value, attention, wall_ms) VALUES ${Array(rows).fill(ROW).join(', ')}`);
const insertOf = (db: Db, rows: number) => stmt(db, insertSql[rows]);

/**
 * Appends a batch of metric points for one run in one transaction: a reader
 * sees all of the batch or none of it, and a killed writer loses only the batch in flight.
 */
export function appendMetrics(db: Db, runId: number, points: readonly MetricPoint[]): void {
  if (points.length === 0) return;
  writeTx(db, () => {
    if (!stmt(db, 'SELECT 1 FROM runs WHERE id = ?').get(runId))
      throw new LabError('not_found', `metric points: run ${runId} does not exist`);
    unsealRun(db, runId); // the run logs again: its packed series go back to the log
    insertPoints(db, runId, points);
    updateFinals(db, runId, points);
  });
}

function insertPoints(db: Db, runId: number, points: readonly MetricPoint[]): void {
  for (let i = 0; i < points.length; i += CHUNK) {
    const n = Math.min(CHUNK, points.length - i);
    const args = new Array(n * 8);
    for (let k = 0; k < n; k++) {
      const p = points[i + k];
      const o = k * 8;
      args[o] = runId; args[o + 1] = p.metric; args[o + 2] = p.task; args[o + 3] = p.epoch;
      args[o + 4] = p.step; args[o + 5] = p.value; args[o + 6] = p.attention; args[o + 7] = p.wallMs;
    }
    insertOf(db, n).run(args);
  }
}

/** Drops a run's points after `epoch` (all of them for −1): a resumed run logs those epochs again. */
export function deleteMetricsAfter(db: Db, runId: number, epoch: number): void {
  writeTx(db, () => {
    unsealRun(db, runId);
    db.prepare('DELETE FROM metric_points WHERE run_id = ? AND epoch > ?').run(runId, epoch);
    recomputeFinals(db, runId);
  });
}

/** The run's points are packed (it stopped), not in the log. */
export const isSealed = (db: Db, runId: number) => !!stmt(db, 'SELECT 1 FROM metric_series WHERE run_id = ? LIMIT 1').get(runId);

/** Every point a run logged, ordered by epoch, step, task, metric: from the log, or from its packed series. */
export function readMetrics(db: Db, runId: number): MetricPoint[] {
  if (isSealed(db, runId)) {
    const points = unpack(db, runId);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return points.sort((a, b) => a.epoch - b.epoch || a.step - b.step || cmp(a.task, b.task) || cmp(a.metric, b.metric));
  }
  return db
    .prepare<[number], MetricPoint>(
      `SELECT epoch, step, task, metric, value, attention, wall_ms AS wallMs FROM metric_points
       WHERE run_id = ? ORDER BY epoch, step, task, metric`,
    )
    .all(runId);
}

/** One curve: a run's metric for one task, as parallel arrays (cheap to ship and to chart). */
export interface Curve {
  runId: number;
  task: string;
  epoch: number[];
  step: number[];
  value: number[];
  attention: number[];
  wallMs: number[];
}

const FIELDS = 5; // epoch, step, value, attention, wall_ms

/** A sealed run's points, from its packed series (in series order). */
function unpack(db: Db, runId: number): MetricPoint[] {
  const rows = db.prepare('SELECT metric, task, n, data FROM metric_series WHERE run_id = ?').raw().all(runId) as [string, string, number, Buffer][];
  const points: MetricPoint[] = [];
  for (const [metric, task, n, data] of rows) {
    const f = new Float64Array(data.buffer, data.byteOffset, n * FIELDS);
    for (let o = 0; o < n * FIELDS; o += FIELDS) points.push({ epoch: f[o], step: f[o + 1], task, metric, value: f[o + 2], attention: f[o + 3], wallMs: f[o + 4] });
  }
  return points;
}

/** Puts a sealed run's points back into the log (it is about to log again), and drops its packed series. */
function unsealRun(db: Db, runId: number): void {
  if (!isSealed(db, runId)) return;
  const points = unpack(db, runId);
  stmt(db, 'DELETE FROM metric_series WHERE run_id = ?').run(runId);
  insertPoints(db, runId, points);
}

/**
 * Packs a stopped run's points into metric_series, one float64 blob per (metric, task),
 * so that comparing many runs reads hundreds of rows instead of hundreds of thousands.
 * The packed series become the run's record and its log rows are dropped: the log is
 * 2–3 times the size per point, and nothing reads it for a stopped run.
 */
export function sealRun(db: Db, runId: number): void {
  writeTx(db, () => {
    if (isSealed(db, runId)) return; // already packed, and the log holds nothing since
    const rows = db
      .prepare('SELECT metric, task, epoch, step, value, attention, wall_ms FROM metric_points WHERE run_id = ? ORDER BY metric, task, epoch, step, wall_ms, rowid')
      .raw()
      .all(runId) as [string, string, number, number, number, number, number][];
    db.prepare('DELETE FROM metric_series WHERE run_id = ?').run(runId);
    const insert = db.prepare('INSERT INTO metric_series (run_id, metric, task, n, data) VALUES (?, ?, ?, ?, ?)');
    for (let start = 0; start < rows.length; ) {
      const [metric, task] = rows[start];
      let end = start;
      while (end < rows.length && rows[end][0] === metric && rows[end][1] === task) end++;
      const packed = new Float64Array((end - start) * FIELDS);
      for (let i = start; i < end; i++) packed.set(rows[i].slice(2) as number[], (i - start) * FIELDS);
      insert.run(runId, metric, task, end - start, Buffer.from(packed.buffer));
      start = end;
    }
    db.prepare('DELETE FROM metric_points WHERE run_id = ?').run(runId);
  });
}

/** The curves of one metric for many runs: packed series for stopped runs, the log for live ones. */
export function readCurves(db: Db, runIds: readonly number[], metric: string): Curve[] {
  if (runIds.length === 0) return [];
  const ids = JSON.stringify(runIds);
  const curves: Curve[] = [];
  const packed = db
    .prepare(
      `SELECT run_id, task, n, data FROM metric_series
       WHERE run_id IN (SELECT value FROM json_each(?)) AND metric = ? ORDER BY run_id, task`,
    )
    .raw()
    .all(ids, metric) as [number, string, number, Buffer][];
  for (const [runId, task, n, data] of packed) {
    const f = new Float64Array(data.buffer, data.byteOffset, n * FIELDS);
    const c: Curve = { runId, task, epoch: new Array(n), step: new Array(n), value: new Array(n), attention: new Array(n), wallMs: new Array(n) };
    for (let i = 0, o = 0; i < n; i++, o += FIELDS) {
      c.epoch[i] = f[o]; c.step[i] = f[o + 1]; c.value[i] = f[o + 2]; c.attention[i] = f[o + 3]; c.wallMs[i] = f[o + 4];
    }
    curves.push(c);
  }
  const sealed = new Set(db.prepare('SELECT DISTINCT run_id FROM metric_series WHERE run_id IN (SELECT value FROM json_each(?))').pluck().all(ids) as number[]);
  const live = runIds.filter((id) => !sealed.has(id));
  if (live.length) {
    const rows = db
      .prepare(
        `SELECT run_id, task, epoch, step, value, attention, wall_ms FROM metric_points
         WHERE run_id IN (SELECT value FROM json_each(?)) AND metric = ? ORDER BY run_id, task, epoch, step`,
      )
      .raw()
      .all(JSON.stringify(live), metric) as [number, string, number, number, number, number, number][];
    let cur: Curve | undefined;
    for (const [runId, task, epoch, step, value, attention, wallMs] of rows) {
      if (!cur || cur.runId !== runId || cur.task !== task) {
        cur = { runId, task, epoch: [], step: [], value: [], attention: [], wallMs: [] };
        curves.push(cur);
      }
      cur.epoch.push(epoch); cur.step.push(step); cur.value.push(value); cur.attention.push(attention); cur.wallMs.push(wallMs);
    }
  }
  const order = new Map(runIds.map((id, i) => [id, i]));
  return curves.sort((a, b) => order.get(a.runId)! - order.get(b.runId)! || (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
}
