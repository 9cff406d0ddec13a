import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Lab } from '../lab';
import * as store from '../store';
import { HTTP_STATUS, TrackingError } from '../tracking/errors';

/**
 * The MLflow-compatible tracking API (REST 2.0): scripts that log to MLflow log to the lab
 * with MLFLOW_TRACKING_URI=http://127.0.0.1:PORT and MLFLOW_TRACKING_TOKEN=TOKEN. Calls are
 * POST with JSON or GET with query parameters, as MLflow's clients send them; ids and
 * int64 timestamps may come as strings or numbers; errors have MLflow's shape and codes.
 * Artifacts are not stored: their endpoints answer with a clear MLflow-shaped error.
 */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];

const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/, 'must be a whole number')]).transform(Number);
const id = z.union([z.string(), z.number()]).transform(String);
const kv = z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) }).loose();
const viewType = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional();
const maxResults = (dflt: number, most: number) => int64.optional().transform((v) => v ?? dflt).refine((v) => v >= 1 && v <= most, `max_results must be between 1 and ${most}`);
const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf'])]).transform(Number);
const metric = z.object({ key: z.string().min(1).max(250), value: metricValue, timestamp: int64.optional(), step: int64.optional() }).loose();
/** Page tokens: the offset of the next page, opaque to clients. */
const pageToken = z.string().optional().transform((t) => {
  if (!t) return 0;
  const n = Number(Buffer.from(t, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw new TrackingError('INVALID_PARAMETER_VALUE', 'Invalid page token');
  return n;
});
const nextToken = (more: boolean, offset: number, n: number) => (more ? { next_page_token: Buffer.from(String(offset + n)).toString('base64url') } : {});

const experimentId = z.object({ experiment_id: id }).loose();
const runId = z.object({ run_id: id.optional(), run_uuid: id.optional() }).loose().transform((r, ctx) => {
  const v = r.run_id ?? r.run_uuid;
  if (!v) ctx.addIssue({ code: 'custom', message: "Missing value for required parameter 'run_id'" });
  return { ...r, run_id: v ?? '' };
});
const expId = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid value '${v}' for parameter 'experiment_id'`);
  return n;
};

const toExperiment = (e: store.Experiment) => ({
  experiment_id: String(e.id), name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage,
  creation_time: e.createdMs, last_update_time: e.updatedMs, tags: Object.entries(e.tags).map(([key, value]) => ({ key, value })),
});
function toRun(db: store.Db, r: store.TrackedRun) {
  return {
    info: {
      run_id: r.runId, run_uuid: r.runId, run_name: r.name, experiment_id: String(r.experimentId), user_id: r.userId,
      status: store.MLFLOW_STATUS[r.status], start_time: r.startMs ?? 0, ...(r.endMs !== null ? { end_time: r.endMs } : {}),
      artifact_uri: '', lifecycle_stage: r.lifecycleStage,
    },
    data: {
      metrics: store.latestMetrics(db, r.id),
      params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  };
}
const metricOf = (m: z.infer<typeof metric>): store.LoggedMetric => {
  const step = m.step ?? 0;
  if (step < 0) throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid value ${step} for 'step' of metric '${m.key}': the lab stores steps from 0`);
  if (Number.isNaN(m.value)) throw new TrackingError('INVALID_PARAMETER_VALUE', `metric '${m.key}' at step ${step} is NaN; the lab stores numbers only`);
  return { key: m.key, value: m.value, step, timestamp: m.timestamp ?? Date.now() };
};

// built once: a schema made per call costs more than the write it checks (log-metric is called per step)
const logMetricInput = runId.pipe(metric.extend({ run_id: z.string() }));
const logParamInput = runId.pipe(z.object({ run_id: z.string(), key: z.string().min(1).max(250), value: z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string().max(6000)) }).loose());
const logBatchInput = runId.pipe(z.object({ run_id: z.string(), metrics: z.array(metric).max(1000).optional(), params: z.array(kv).max(100).optional(), tags: z.array(kv).max(100).optional() }).loose());
const setTagInput = runId.pipe(z.object({ run_id: z.string(), key: z.string().min(1).max(250), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) }).loose());

type Handler = (db: store.Db, input: Record<string, unknown>) => unknown;
const parse = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const r = schema.safeParse(input);
  if (!r.success) throw new TrackingError('INVALID_PARAMETER_VALUE', r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  return r.data;
};

const handlers: Record<string, Handler> = {
  'experiments/create': (db, i) => {
    const b = parse(z.object({ name: z.string(), artifact_location: z.string().optional(), tags: z.array(kv).optional() }).loose(), i);
    return { experiment_id: String(store.createExperiment(db, b.name, b.artifact_location, Object.fromEntries((b.tags ?? []).map((t) => [t.key, t.value])))) };
  },
  'experiments/get': (db, i) => ({ experiment: toExperiment(store.getExperiment(db, expId(parse(experimentId, i).experiment_id))) }),
  'experiments/get-by-name': (db, i) => ({ experiment: toExperiment(store.experimentByName(db, parse(z.object({ experiment_name: z.string() }).loose(), i).experiment_name)) }),
  'experiments/search': (db, i) => {
    const b = parse(z.object({ max_results: maxResults(1000, 50_000), page_token: pageToken, filter: z.string().optional(), view_type: viewType }).loose(), i);
    const like = b.filter ? /^\s*(?:attribute\.)?name\s+(?:I?LIKE|=)\s+['"](.*)['"]\s*$/i.exec(b.filter)?.[1] : undefined;
    if (b.filter && like === undefined) throw new TrackingError('INVALID_PARAMETER_VALUE', `experiments/search: filter supports name = '…' and name LIKE '…' only, not '${b.filter.slice(0, 60)}'`);
    const r = store.searchExperiments(db, { viewType: b.view_type, maxResults: b.max_results, offset: b.page_token, nameLike: like });
    return { experiments: r.experiments.map(toExperiment), ...nextToken(r.more, b.page_token, r.experiments.length) };
  },
  'experiments/list': (db, i) => {
    const b = parse(z.object({ view_type: viewType }).loose(), i);
    return { experiments: store.searchExperiments(db, { viewType: b.view_type, maxResults: 1_000_000, offset: 0 }).experiments.map(toExperiment) };
  },
  'experiments/update': (db, i) => {
    const b = parse(z.object({ experiment_id: id, new_name: z.string().min(1) }).loose(), i);
    store.updateExperiment(db, expId(b.experiment_id), { name: b.new_name });
    return {};
  },
  'experiments/delete': (db, i) => { store.updateExperiment(db, expId(parse(experimentId, i).experiment_id), { lifecycleStage: 'deleted' }); return {}; },
  'experiments/restore': (db, i) => { store.updateExperiment(db, expId(parse(experimentId, i).experiment_id), { lifecycleStage: 'active' }); return {}; },
  'experiments/set-experiment-tag': (db, i) => {
    const b = parse(z.object({ experiment_id: id, key: z.string().min(1), value: z.string() }).loose(), i);
    store.updateExperiment(db, expId(b.experiment_id), { tag: [b.key, b.value] });
    return {};
  },
  'runs/create': (db, i) => {
    const b = parse(z.object({ experiment_id: id.optional(), user_id: z.string().optional(), run_name: z.string().optional(), start_time: int64.optional(), tags: z.array(kv).optional() }).loose(), i);
    const run = store.createTrackedRun(db, { experimentId: expId(b.experiment_id ?? '0'), userId: b.user_id, name: b.run_name, startMs: b.start_time, tags: Object.fromEntries((b.tags ?? []).map((t) => [t.key, t.value])) });
    return { run: toRun(db, run) };
  },
  'runs/get': (db, i) => ({ run: toRun(db, store.getTrackedRun(db, parse(runId, i).run_id)) }),
  'runs/update': (db, i) => {
    const b = parse(runId.pipe(z.object({ run_id: z.string(), status: z.string().optional(), end_time: int64.optional(), run_name: z.string().optional() }).loose()), i);
    return { run_info: toRun(db, store.updateTrackedRun(db, b.run_id, { status: b.status, endMs: b.end_time, name: b.run_name })).info };
  },
  'runs/delete': (db, i) => { store.setTrackedLifecycle(db, parse(runId, i).run_id, 'deleted'); return {}; },
  'runs/restore': (db, i) => { store.setTrackedLifecycle(db, parse(runId, i).run_id, 'active'); return {}; },
  'runs/search': (db, i) => {
    const b = parse(z.object({
      experiment_ids: z.union([z.array(id), id.transform((v) => [v])]).optional(), filter: z.string().optional(), run_view_type: viewType,
      max_results: maxResults(1000, 50_000), order_by: z.union([z.array(z.string()), z.string().transform((v) => [v])]).optional(), page_token: pageToken,
    }).loose(), i);
    const r = store.searchTrackedRuns(db, { experimentIds: (b.experiment_ids ?? []).map(expId), filter: b.filter, viewType: b.run_view_type, orderBy: b.order_by, maxResults: b.max_results, offset: b.page_token });
    return { runs: r.runs.map((run) => toRun(db, run)), ...nextToken(r.more, b.page_token, r.runs.length) };
  },
  'runs/log-metric': (db, i) => {
    const b = parse(logMetricInput, i);
    store.logBatch(db, b.run_id, { metrics: [metricOf(b)] });
    return {};
  },
  'runs/log-parameter': (db, i) => {
    const b = parse(logParamInput, i);
    store.logBatch(db, b.run_id, { params: [[b.key, b.value]] });
    return {};
  },
  'runs/log-batch': (db, i) => {
    const b = parse(logBatchInput, i);
    if ((b.metrics?.length ?? 0) + (b.params?.length ?? 0) + (b.tags?.length ?? 0) > 1000) throw new TrackingError('INVALID_PARAMETER_VALUE', 'A batch logging request can contain at most 1000 metrics, params and tags in total');
    store.logBatch(db, b.run_id, { metrics: b.metrics?.map(metricOf), params: b.params?.map((p) => [p.key, p.value]), tags: b.tags?.map((t) => [t.key, t.value]) });
    return {};
  },
  'runs/set-tag': (db, i) => {
    const b = parse(setTagInput, i);
    store.logBatch(db, b.run_id, { tags: [[b.key, b.value]] });
    return {};
  },
  'runs/delete-tag': (db, i) => {
    const b = parse(runId.pipe(z.object({ run_id: z.string(), key: z.string().min(1) }).loose()), i);
    store.deleteTag(db, b.run_id, b.key);
    return {};
  },
  'metrics/get-history': (db, i) => {
    const b = parse(runId.pipe(z.object({ run_id: z.string(), metric_key: z.string().min(1), max_results: maxResults(25_000, 25_000), page_token: pageToken }).loose()), i);
    const r = store.metricHistory(db, b.run_id, b.metric_key, b.max_results, b.page_token);
    return { metrics: r.metrics, ...nextToken(r.more, b.page_token, r.metrics.length) };
  },
};

/** Query parameters as MLflow's GET calls send them: repeated keys become lists. */
function queryInput(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(k);
    out[k] = all.length > 1 || k === 'experiment_ids' || k === 'order_by' ? all : all[0];
  }
  return out;
}

export async function mlflowCall(lab: Lab, req: IncomingMessage, res: ServerResponse, url: URL, path: string, readBody: () => Promise<unknown>): Promise<void> {
  const reply = (status: number, v: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify(v));
  };
  try {
    if (path.startsWith('artifacts/') || path.startsWith('mlflow-artifacts/'))
      throw new TrackingError('ENDPOINT_NOT_FOUND', 'Attention Lab does not store artifacts: keep them on disk (mlflow.log_artifact needs a file store or an artifact server); metrics, params and tags are tracked');
    const handler = handlers[path];
    if (!handler) throw new TrackingError('ENDPOINT_NOT_FOUND', `No API endpoint ${path} in Attention Lab's MLflow-compatible tracking API`);
    const input = req.method === 'GET' ? queryInput(url) : await readBody();
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TrackingError('INVALID_PARAMETER_VALUE', 'the request body must be a JSON object');
    reply(200, handler(lab.db, input as Record<string, unknown>));
  } catch (e) {
    if (e instanceof TrackingError) return reply(HTTP_STATUS[e.code], { error_code: e.code, message: e.message });
    if (store.isBusy(e)) return reply(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'the database is busy: another program has been writing to it for over 5 s; try again' });
    const status = (e as { status?: number }).status;
    reply(status ?? 500, { error_code: status ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR', message: (e as Error).message });
  }
}
