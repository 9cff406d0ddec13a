import { LabError } from '../api/errors';
import type { RunListInput, RunRow } from '../api/runs';
import type { Db } from './db';

/**
 * The runs list in SQL: filter, search, sort and page 10,000 runs without reading them
 * into JavaScript, and return slim rows (no environment, notes cut short).
 *
 * The query syntax, space-separated terms that must all hold:
 *   policy:lp  seed:1  lr<0.01     a config field (or seed, id, status, tag, set, name, backend)
 *   test.accuracy>0.9              a final metric (a dotted name): >, <, >=, <=, =, !=
 *   id:5..9                        a range of ids
 *   "some words" or words          text in the name, notes, tags or config
 */
const OPS = ['>=', '<=', '!=', '>', '<', '=', ':'] as const;
type Op = (typeof OPS)[number];
const FIELD = /^[A-Za-z_][\w-]*$/;
const METRIC = /^[A-Za-z_][\w-]*(\.[\w-]+)+$/;

interface Where { sql: string[]; params: unknown[] }

/** Splits a query into terms, keeping "quoted phrases" (and key:"quoted values") whole. */
function terms(q: string): string[] {
  return [...q.matchAll(/(?:[^\s"]+)?"[^"]*"|[^\s"]+/g)].map((m) => m[0]);
}
const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');
const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function number(term: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new LabError('invalid_input', `query: in '${term}', '${v}' is not a number`);
  return n;
}

function addTerm(w: Where, term: string): void {
  const at = term.startsWith('"') ? -1 : Math.min(...OPS.map((o) => term.indexOf(o)).filter((i) => i > 0), Infinity);
  if (!Number.isFinite(at) || at < 0) {
    w.sql.push("(r.name LIKE ? ESCAPE '\\' OR r.notes LIKE ? ESCAPE '\\' OR r.tags LIKE ? ESCAPE '\\' OR r.config LIKE ? ESCAPE '\\')");
    const p = like(unquote(term));
    w.params.push(p, p, p, p);
    return;
  }
  const key = term.slice(0, at);
  const op = OPS.find((o) => term.startsWith(o, at))! as Op;
  const value = unquote(term.slice(at + op.length));
  if (value === '') throw new LabError('invalid_input', `query: '${term}' needs a value after ${op}`);
  const sqlOp = op === ':' ? '=' : op;
  if (METRIC.test(key)) {
    w.sql.push(`EXISTS (SELECT 1 FROM run_finals f WHERE f.run_id = r.id AND f.metric = ? AND f.task = '' AND f.value ${sqlOp} ?)`);
    w.params.push(key, number(term, value));
    return;
  }
  if (!FIELD.test(key)) throw new LabError('invalid_input', `query: '${key}' in '${term}' is not a field name (letters, digits, _ or -)`);
  const text = op === ':' || op === '=' || op === '!=';
  switch (key) {
    case 'id': {
      const range = /^(\d+)\.\.(\d+)$/.exec(value);
      if (range && op === ':') {
        w.sql.push('r.id BETWEEN ? AND ?');
        w.params.push(Number(range[1]), Number(range[2]));
      } else {
        w.sql.push(`r.id ${sqlOp} ?`);
        w.params.push(number(term, value));
      }
      return;
    }
    case 'seed':
      w.sql.push(`r.seed ${sqlOp} ?`);
      w.params.push(number(term, value));
      return;
    case 'status': case 'name': case 'backend':
      if (!text) throw new LabError('invalid_input', `query: ${key} takes ':' or '!=', not ${op}`);
      w.sql.push(op === ':' && key === 'name' ? "r.name LIKE ? ESCAPE '\\'" : `r.${key} ${sqlOp} ?`);
      w.params.push(op === ':' && key === 'name' ? like(value) : value);
      return;
    case 'tag':
      w.sql.push(`${op === '!=' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)`);
      w.params.push(value);
      return;
    case 'set': case 'taskSet':
      w.sql.push(`(ts.name ${op === '!=' ? '!=' : '='} ? OR CAST(r.task_set_id AS TEXT) ${op === '!=' ? '!=' : '='} ?)`);
      w.params.push(value, value);
      return;
    default: {
      const path = `$."${key}"`;
      if (text) {
        w.sql.push(`coalesce(CAST(json_extract(r.config, ?) AS TEXT), '') ${sqlOp} ?`);
        w.params.push(path, value);
      } else {
        w.sql.push(`json_extract(r.config, ?) ${sqlOp} ?`);
        w.params.push(path, number(term, value));
      }
    }
  }
}

/** Sort keys the list understands, as SQL expressions. */
const SORTS: Record<string, string> = {
  id: 'r.id', name: 'r.name', status: 'r.status', seed: 'r.seed', createdAt: 'r.created_at', startedAt: 'r.started_at',
  finishedAt: 'r.finished_at', duration: 'duration_ms', tags: 'r.tags', notes: 'r.notes', taskSet: 'ts.name', backend: 'r.backend',
  policy: "json_extract(r.config, '$.policy')", model: "json_extract(r.config, '$.model')", epochs: "json_extract(r.config, '$.epochs')", final: 'f.value',
};

/** Columns that are never NULL: sorted without the NULLs-last term, so SQLite can walk an index. */
const NOT_NULL = new Set(['id', 'name', 'status', 'seed', 'createdAt', 'tags', 'notes']);

export function listRunRows(db: Db, input: RunListInput): { total: number; rows: RunRow[]; ids?: number[] } {
  const w: Where = { sql: [], params: [] };
  const add = (sql: string, param: unknown) => { w.sql.push(sql); w.params.push(param); };
  if (input.status) add('r.status = ?', input.status);
  if (input.taskSetId) add('r.task_set_id = ?', input.taskSetId);
  if (input.ids) add('r.id IN (SELECT value FROM json_each(?))', JSON.stringify(input.ids));
  for (const t of terms(input.q ?? '')) addTerm(w, t);
  const where = w.sql.length ? `WHERE ${w.sql.join(' AND ')}` : '';
  const from = `FROM runs r LEFT JOIN task_sets ts ON ts.id = r.task_set_id
    LEFT JOIN run_finals f ON f.run_id = r.id AND f.metric = ? AND f.task = ''`;
  const fromParams = [input.metric];

  let sort = SORTS[input.sort];
  const sortParams: unknown[] = [];
  if (!sort && input.sort.startsWith('config:') && FIELD.test(input.sort.slice(7))) {
    sort = 'json_extract(r.config, ?)';
    sortParams.push(`$."${input.sort.slice(7)}"`);
  }
  if (!sort) throw new LabError('invalid_input', `sort: '${input.sort}' is not a column (${Object.keys(SORTS).join(', ')}, or config:FIELD)`);
  const dir = input.desc ? 'DESC' : 'ASC';
  const cols = input.columns.filter((c) => FIELD.test(c));
  const colSql = cols.map(() => ', json_extract(r.config, ?)').join('');
  const colParams = cols.map((c) => `$."${c}"`);

  // one pass picks the page's ids in order (only the filter and the sort key are computed for
  // every run), a second reads the columns of those ids alone
  const order = `ORDER BY ${NOT_NULL.has(input.sort) ? '' : `(${sort}) IS NULL, `}${sort} ${dir}, r.id ${dir}`;
  const page = db.prepare(`SELECT r.id, count(*) OVER () ${from} ${where} ${order} LIMIT ? OFFSET ?`).raw()
    .all(...fromParams, ...w.params, ...sortParams, ...(NOT_NULL.has(input.sort) ? [] : sortParams), input.limit, input.offset) as [number, number][];
  const total = page.length ? page[0][1] : input.offset ? (db.prepare(`SELECT count(*) ${from} ${where}`).pluck().get(...fromParams, ...w.params) as number) : 0;
  const at = new Map(page.map(([id], i) => [id, i]));
  const raw = (db
    .prepare(
      `SELECT r.id, r.name, r.status, r.seed, r.task_set_id, ts.name AS task_set, json_extract(r.config, '$.policy') AS policy,
         json_extract(r.config, '$.model') AS model, json_extract(r.config, '$.epochs') AS epochs, r.created_at, r.started_at, r.finished_at,
         (julianday(r.finished_at) - julianday(r.started_at)) * 86400000 AS duration_ms, r.backend, r.tags, substr(r.notes, 1, 200) AS notes,
         f.value AS final ${colSql}, r.source, (SELECT name FROM experiments e WHERE e.id = r.experiment_id) AS experiment
       ${from} WHERE r.id IN (SELECT value FROM json_each(?))`,
    )
    .raw()
    .all(...colParams, ...fromParams, JSON.stringify(page.map(([id]) => id))) as unknown[][]).sort((a, b) => at.get(a[0] as number)! - at.get(b[0] as number)!);
  const rows = raw.map((v): RunRow => ({
    id: v[0] as number, name: v[1] as string, status: v[2] as RunRow['status'], seed: v[3] as number, taskSetId: v[4] as number | null,
    taskSet: v[5] as string | null, policy: (v[6] as string | null) ?? null, model: (v[7] as string | null) ?? null, epochs: (v[8] as number | null) ?? null,
    createdAt: v[9] as string, startedAt: v[10] as string | null, finishedAt: v[11] as string | null, durationMs: v[12] as number | null,
    backend: v[13] as string | null, tags: JSON.parse(v[14] as string), notes: v[15] as string, final: v[16] as number | null,
    columns: Object.fromEntries(cols.map((c, i) => [c, (v[17 + i] as string | number | null) ?? null])),
    source: v[17 + cols.length] as RunRow['source'], experiment: v[18 + cols.length] as string | null,
  }));
  if (!input.withIds) return { total, rows };
  const ids = db.prepare(`SELECT r.id ${from} ${where} ${order}`).pluck().all(...fromParams, ...w.params, ...sortParams, ...(NOT_NULL.has(input.sort) ? [] : sortParams)) as number[];
  return { total, rows, ids };
}
