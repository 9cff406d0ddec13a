import { TrackingError } from './errors';

/**
 * MLflow's search filter and order_by, as SQL over the lab's tables. The filter is
 * `expr AND expr …`, each expr `entity.name op value`, with entity metrics | params | tags |
 * attributes (and MLflow's singular and `attr`/`run` spellings), a name quoted with "…" or
 * `…` when it has special characters, op one of = != > >= < <= LIKE ILIKE IN NOT IN.
 * Metrics compare their latest value (largest step, then timestamp), as MLflow does.
 */
export interface Sql { where: string; args: unknown[] }

type Entity = 'metrics' | 'params' | 'tags' | 'attributes';
const ENTITY: Record<string, Entity> = {
  metric: 'metrics', metrics: 'metrics', param: 'params', params: 'params', parameter: 'params', parameters: 'params',
  tag: 'tags', tags: 'tags', attribute: 'attributes', attributes: 'attributes', attr: 'attributes', run: 'attributes',
};
/** The lab's run status as MLflow names it. */
export const STATUS_SQL = "CASE r.status WHEN 'running' THEN 'RUNNING' WHEN 'queued' THEN 'SCHEDULED' WHEN 'completed' THEN 'FINISHED' WHEN 'cancelled' THEN 'KILLED' ELSE 'FAILED' END";
const ATTRIBUTES: Record<string, { sql: string; numeric: boolean }> = {
  status: { sql: STATUS_SQL, numeric: false },
  run_name: { sql: 'r.name', numeric: false },
  run_id: { sql: 'r.external_id', numeric: false },
  user_id: { sql: 'r.user_id', numeric: false },
  start_time: { sql: 'r.start_ms', numeric: true },
  end_time: { sql: 'r.end_ms', numeric: true },
  artifact_uri: { sql: "''", numeric: false },
};

interface Token { kind: 'word' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma'; text: string }

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(>=|<=|!=|=|>|<)|(\()|(\))|(,)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])|([A-Za-z_][\w.-]*))/y;
  let at = 0;
  while (at < s.length) {
    if (/^\s*$/.test(s.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: cannot read '${s.slice(at, at + 30)}'`);
    at = re.lastIndex;
    if (m[1]) out.push({ kind: 'op', text: m[1] });
    else if (m[2]) out.push({ kind: 'lparen', text: '(' });
    else if (m[3]) out.push({ kind: 'rparen', text: ')' });
    else if (m[4]) out.push({ kind: 'comma', text: ',' });
    else if (m[5] !== undefined) out.push({ kind: 'string', text: m[5].replace(/\\(.)/g, '$1') });
    else if (m[6] !== undefined) out.push({ kind: 'string', text: m[6].replace(/\\(.)/g, '$1') });
    else if (m[7] !== undefined) out.push({ kind: 'string', text: m[7] });
    else if (m[8]) out.push({ kind: 'number', text: m[8] });
    else out.push({ kind: 'word', text: m[9] });
  }
  return out;
}

/** `metrics.acc`, `params."learning rate"`, `tags.\`x-y\`` → entity and name; a bare name is an attribute. */
function identifier(tokens: Token[], i: number): { entity: Entity; name: string; next: number } {
  const t = tokens[i];
  if (!t || t.kind !== 'word') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: expected a name such as metrics.accuracy, found '${t?.text ?? 'the end'}'`);
  const dot = t.text.indexOf('.');
  const head = dot < 0 ? t.text : t.text.slice(0, dot);
  const entity = ENTITY[head.toLowerCase()];
  if (!entity) {
    if (dot < 0 && ATTRIBUTES[t.text]) return { entity: 'attributes', name: t.text, next: i + 1 };
    throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: '${t.text}' is not metrics.NAME, params.NAME, tags.NAME or attributes.NAME`);
  }
  if (dot === t.text.length - 1 && tokens[i + 1]?.kind === 'string') return { entity, name: tokens[i + 1].text, next: i + 2 };
  if (dot < 0 || dot === t.text.length - 1) throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: '${t.text}' names no ${entity.replace(/s$/, '')}`);
  return { entity, name: t.text.slice(dot + 1), next: i + 1 };
}

/** The SQL expression for an entity's value on run `r`, and whether it compares as a number. */
export function valueSql(entity: Entity, name: string, args: unknown[]): { sql: string; numeric: boolean } {
  if (entity === 'metrics') {
    args.push(name);
    return { sql: '(SELECT value FROM latest_metrics WHERE run_id = r.id AND key = ?)', numeric: true };
  }
  if (entity === 'params' || entity === 'tags') {
    args.push(`$.${JSON.stringify(name)}`);
    return { sql: `json_extract(${entity === 'params' ? 'r.config' : 'r.kv_tags'}, ?)`, numeric: false };
  }
  const a = ATTRIBUTES[name];
  if (!a) throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: attributes.${name} is none of ${Object.keys(ATTRIBUTES).join(', ')}`);
  return a;
}

export function filterSql(filter: string | undefined): Sql {
  const tokens = tokenize(filter ?? '');
  const parts: string[] = [], args: unknown[] = [];
  let i = 0;
  while (i < tokens.length) {
    const id = identifier(tokens, i);
    i = id.next;
    let op = tokens[i]?.text.toUpperCase() ?? '';
    if (op === 'NOT' && tokens[i + 1]?.text.toUpperCase() === 'IN') {
      op = 'NOT IN';
      i++;
    }
    if (!['=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'].includes(op))
      throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: after ${id.entity}.${id.name} expected a comparison (=, !=, >, >=, <, <=, LIKE, ILIKE, IN), found '${tokens[i]?.text ?? 'the end'}'`);
    i++;
    const v = valueSql(id.entity, id.name, args);
    if (op === 'IN' || op === 'NOT IN') {
      if (tokens[i]?.kind !== 'lparen') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: ${op} takes a list in parentheses`);
      const items: string[] = [];
      for (i++; tokens[i] && tokens[i].kind !== 'rparen'; i++) if (tokens[i].kind !== 'comma') items.push(tokens[i].text);
      if (tokens[i]?.kind !== 'rparen') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: ${op} list is not closed`);
      i++;
      args.push(...items);
      parts.push(`${v.sql} ${op} (${items.map(() => '?').join(', ')})`);
    } else {
      const c = tokens[i++];
      if (!c || (c.kind !== 'string' && c.kind !== 'number')) throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: ${id.entity}.${id.name} ${op} needs a value ('text' or a number)`);
      if (v.numeric && c.kind !== 'number') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: ${id.entity}.${id.name} is a number; compare it with a number, not '${c.text}'`);
      if (!v.numeric && c.kind !== 'string') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: ${id.entity}.${id.name} is text; quote the value ('${c.text}')`);
      args.push(v.numeric ? Number(c.text) : c.text);
      if (op === 'LIKE') {
        args.push(likeToGlob(String(args.pop())));
        parts.push(`${v.sql} GLOB ?`);
      } else if (op === 'ILIKE') parts.push(`${v.sql} LIKE ?`); // SQLite's LIKE ignores case
      else parts.push(`${v.sql} ${op} ?`);
    }
    if (i < tokens.length) {
      if (tokens[i].text.toUpperCase() !== 'AND') throw new TrackingError('INVALID_PARAMETER_VALUE', `filter: expressions are joined with AND (OR is not supported), found '${tokens[i].text}'`);
      i++;
    }
  }
  return { where: parts.length ? parts.join(' AND ') : '1', args };
}

/** SQL LIKE is case-insensitive in SQLite; MLflow's LIKE is case-sensitive, as GLOB is. */
function likeToGlob(pattern: string): string {
  return pattern.replace(/[*?[\]]/g, (c) => `[${c}]`).replace(/%/g, '*').replace(/_/g, '?');
}

/** order_by items ("metrics.acc DESC", "attributes.start_time") as an ORDER BY clause; values missing sort last. */
export function orderSql(orderBy: readonly string[] | undefined): Sql {
  const parts: string[] = [], args: unknown[] = [];
  for (const item of orderBy ?? []) {
    const tokens = tokenize(item);
    const id = identifier(tokens, 0);
    const dir = (tokens[id.next]?.text ?? 'ASC').toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw new TrackingError('INVALID_PARAMETER_VALUE', `order_by: '${item}' should end in ASC or DESC`);
    const v = valueSql(id.entity, id.name, args);
    const again = valueSql(id.entity, id.name, args);
    parts.push(`(${v.sql} IS NULL), ${again.sql} ${dir}`);
  }
  parts.push('r.start_ms DESC', 'r.id DESC');
  return { where: parts.join(', '), args };
}
