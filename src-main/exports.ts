import Papa from 'papaparse';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
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

/**
 * The one writer of a streamed export, for every door: serve mode's HTTP response and the
 * desktop's file. Each chunk is written as the store is read, waiting whenever the sink is
 * full (memory stays bounded by a chunk or two, however many runs); stops if the sink goes
 * away, and fails (not crashes) when it fails.
 */
export async function writeChunks(chunks: AsyncIterable<string>, out: Writable): Promise<number> {
  let failed: Error | null = null;
  const fail = (e: Error) => void (failed ??= e); // a full disk, say: stop reading and say so
  out.on('error', fail);
  try {
    let bytes = 0;
    for await (const chunk of chunks) {
      if (failed) throw failed;
      if (out.destroyed) break; // the reader went away: stop reading the store
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await drained(out);
    }
    if (failed) throw failed;
    return bytes;
  } finally {
    out.off('error', fail);
  }
}

/** Resolves when the sink takes more (or goes away), leaving no listener behind. */
const drained = (out: Writable) => new Promise<void>((resolve) => {
  const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
  out.on('drain', done);
  out.on('close', done);
});

/**
 * An export streamed to a file the user picked (the desktop door): written beside it under
 * a temporary name and renamed when whole, so a failed export leaves no half file behind
 * and never replaces a good one.
 */
export async function writeExportFile(chunks: AsyncIterable<string>, path: string): Promise<{ path: string; bytes: number }> {
  const part = `${path}.part`;
  const out = createWriteStream(part);
  try {
    const bytes = await writeChunks(chunks, out);
    out.end();
    await finished(out);
    await rename(part, path);
    return { path, bytes };
  } catch (e) {
    out.on('error', () => undefined); // writes still queued fail as it closes: the first error is the one to tell
    if (!out.closed) await new Promise<void>((closed) => out.destroy().once('close', () => closed()));
    await rm(part, { force: true });
    throw e;
  }
}

export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}

/** What an export's bytes are, for a download's header or a save dialog's filter. */
export const exportMime = (format: 'csv' | 'json') => (format === 'json' ? 'application/json' : 'text/csv');
export const exportName = (ids: readonly number[], format: 'csv' | 'json', shape: ExportShape) =>
  `${shape === 'wide' ? 'runs-wide' : ids.length === 1 ? `run-${ids[0]}` : `runs-${ids.length}`}.${format}`;
