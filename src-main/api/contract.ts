import { z } from 'zod';
import { Study, StudyFile, StudyStartInput } from './study';
import { BulkTagInput, RunList, RunListInput, RunSelection, SaveViewInput, SavedView } from './runs';
import { BuiltinInfo, CurveFit, LearningCurve, CompareInput, Comparison, MetricPoint, ModelKind, ProgressEvent, RunStartInput, Dataset, DatasetSummary, ImportInput, Split, DbInfo, ExportedFile, ExportFormat, Id, PolicyName, Run, Solve, SolveParams, Sweep, TaskSet, TaskSetInput, TaskSetSummary } from './schemas';

/**
 * THE contract: every call any door (Electron IPC, serve mode, CLI, tests) can make,
 * named `area/verb`, with the zod schema of its input and output. Doors validate
 * input with these schemas; the renderer's client is typed from them.
 */
const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) => ({ input, output, doc });
const none = z.object({}).strict();
const byId = z.object({ id: Id }).strict();
const TrackingStatus = z.object({
  running: z.boolean(),
  port: z.number().int().nullable(),
  /** the two lines a script's shell needs, when running */
  exports: z.string().nullable(),
  /** false where the door keeps it running (serve mode serves it on its own port) */
  canStop: z.boolean(),
  note: z.string().nullable(),
});

export const api = {
  'db/info': call(none, DbInfo, 'where the database is, its schema version and row counts'),
  'db/compact': call(none, z.object({ before: z.number(), after: z.number() }), 'rewrite the database file without its free pages (and with the current page layout); sizes in bytes'),
  'datasets/list': call(none, z.array(DatasetSummary), 'stored data sets with their split counts'),
  'datasets/get': call(byId, Dataset, 'one data set with its statistics: label balance, token lengths, training tokens'),
  'datasets/builtins': call(none, z.array(BuiltinInfo), 'the built-in data sets and whether each is loaded'),
  'datasets/loadBuiltin': call(z.object({ name: z.string().min(1) }).strict(), Dataset, 'store a built-in data set (read from its npm package; once)'),
  'datasets/import': call(ImportInput, Dataset, 'import a CSV, TSV or JSONL file (by path or uploaded content) as one data set'),
  'datasets/examples': call(
    z.object({ id: Id, split: Split.optional(), offset: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ total: z.number().int(), rows: z.array(z.object({ text: z.string(), label: z.string(), split: Split })) }),
    'a page of examples',
  ),
  'datasets/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a data set no task uses'),
  'taskSets/create': call(TaskSetInput, TaskSet, 'store a new task set (tasks with a, t, w, floor, cap) and its budget'),
  'taskSets/update': call(z.object({ id: Id, set: TaskSetInput }).strict(), TaskSet, "replace a task set's name, budgets and tasks (measured costs left unchanged stay measured)"),
  'taskSets/examples': call(none, z.array(z.object({ file: z.string(), name: z.string(), description: z.string(), input: z.record(z.string(), z.unknown()) })), 'the example task sets shipped in resources/'),
  'taskSets/list': call(none, z.array(TaskSetSummary), 'all task sets with their task counts'),
  'taskSets/get': call(byId, TaskSet, 'one task set with its tasks'),
  'taskSets/profile': call(
    z.object({ id: Id, model: ModelKind.default('bag'), batchSize: z.number().int().min(1).max(4096).default(32), batches: z.number().int().min(1).max(1000).default(8) }).strict(),
    TaskSet,
    "measure each task's costs: a_i = training tokens, t_i = seconds per full training pass on the active backend (timed sample of steps); both stored, marked measured",
  ),
  'taskSets/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a task set, its tasks and solves'),
  'solve/policies': call(none, z.array(z.object({ name: PolicyName, rule: z.string() })), 'the allocation policies and their rules'),
  'solve/run': call(SolveParams.extend({ taskSetId: Id }), Solve, 'solve a task set with a policy and store the solve'),
  'solve/get': call(byId, Solve, 'one stored solve'),
  'solve/list': call(z.object({ taskSetId: Id }).strict(), z.array(Solve), "a task set's solves, oldest first"),
  'solve/sweep': call(SolveParams.extend({ taskSetId: Id, points: z.number().int().min(2).max(500).default(20) }), Sweep, 'value against attention over a range of budgets (not stored)'),
  'curves/fit': call(z.object({ runIds: z.array(Id).min(1, 'pick at least one completed run').max(100), name: z.string().trim().max(200).optional() }).strict(), CurveFit, "fit acc(n) = α − β n^(−γ) per task to completed runs of one task set (validation accuracy against examples seen), and store the fit"),
  'curves/save': call(z.object({ taskSetId: Id, name: z.string().trim().max(200).optional(), curves: z.record(z.string(), LearningCurve) }).strict(), CurveFit, 'store learning curves typed by hand, one per task'),
  'curves/list': call(z.object({ taskSetId: Id }).strict(), z.array(CurveFit), "a task set's stored learning-curve fits, newest first"),
  'curves/get': call(byId, CurveFit, 'one stored learning-curve fit'),
  'curves/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a stored learning-curve fit'),
  'studies/start': call(StudyStartInput, Study, 'start a study: a uniform pilot, learning curves fitted to it, every policy over every seed, then the report; progress streams as study events'),
  'studies/list': call(none, z.array(Study), 'stored studies, newest first'),
  'studies/get': call(byId, Study, 'one study with its report when completed'),
  'studies/cancel': call(byId, Study, "stop a running study and its queued and training runs; what they logged stays"),
  'studies/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a stopped study (its runs and fit stay)'),
  'studies/export': call(byId, z.array(StudyFile), "a completed study's report as the command line writes it: report.md and PNG charts (base64)"),
  'runs/start': call(RunStartInput, z.array(Run), 'queue one training run per seed (the allocation solved now, or a stored solve)'),
  'runs/parallel': call(
    z.object({ parallel: z.number().int().min(1, 'parallel must be at least 1').max(64).optional() }).strict(),
    z.object({ parallel: z.number().int(), default: z.number().int(), cores: z.number().int(), peakMiB: z.number(), freeMiB: z.number() }),
    'trainers at once: read it, or set it (queued runs start at once when it rises); the default is what cores and free memory allow',
  ),
  'runs/cancel': call(byId, Run, 'stop a queued or training run; what it logged stays'),
  'runs/resume': call(byId, Run, 'queue an interrupted, failed or cancelled run again, from its latest checkpoint'),
  'runs/update': call(z.object({ id: Id, notes: z.string().max(100_000).optional(), tags: z.array(z.string().trim().min(1).max(100)).max(50).optional() }).strict(), Run, "a run's notes and tags"),
  'runs/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a stopped run, its metrics and checkpoint files'),
  'runs/deleteMany': call(RunSelection, z.object({ deleted: z.number().int(), skipped: z.array(Id) }), 'delete the named runs, or every run the query matches; runs still training are skipped'),
  'runs/tag': call(BulkTagInput, z.object({ changed: z.number().int() }), 'add and remove tags on many runs at once'),
  'views/list': call(none, z.array(SavedView), 'the named views of the compare screen'),
  'views/save': call(SaveViewInput, SavedView, 'save (or overwrite) a named view'),
  'views/delete': call(byId, z.object({ ok: z.literal(true) }), 'delete a named view'),
  'runs/metrics': call(byId, z.array(MetricPoint), "every metric point a run logged, in order"),
  'runs/curves': call(
    z.object({ ids: z.array(Id).min(1).max(1000), metric: z.string().min(1) }).strict(),
    z.array(z.object({ runId: Id, task: z.string(), epoch: z.array(z.number()), step: z.array(z.number()), value: z.array(z.number()), attention: z.array(z.number()), wallMs: z.array(z.number()) })),
    'one metric of many runs as curves (per task), for comparing',
  ),
  'runs/compare': call(CompareInput, Comparison, 'curves of many runs grouped into mean ± std bands, their final values and attention, and the config fields that differ'),
  'runs/list': call(RunListInput, RunList, 'a page of slim run rows, filtered, searched (policy:lp seed:1 test.accuracy>0.9 words) and sorted on the server, with the total'),
  'runs/get': call(byId, Run, 'one run'),
  'tracking/status': call(none, TrackingStatus, "the MLflow-compatible tracking API: where it listens and the token scripts send"),
  'tracking/start': call(z.object({ port: z.number().int().min(1).max(65535).optional() }).strict(), TrackingStatus, 'start the tracking API on 127.0.0.1 (default port 5000 when free)'),
  'tracking/stop': call(none, TrackingStatus, 'stop the tracking API'),
  'runs/importMlflow': call(
    z.object({ path: z.string().min(1) }).strict(),
    z.object({ experiments: z.number().int(), runs: z.number().int(), alreadyThere: z.number().int(), points: z.number().int(), problems: z.array(z.string()) }),
    'read an MLflow file store (mlruns/) or SQLite tracking database into the lab; runs imported before are left as they are',
  ),
  'runs/exportMlflow': call(
    z.object({ ids: z.array(Id).min(1).max(100_000), dir: z.string().min(1) }).strict(),
    z.object({ experiments: z.number().int(), runs: z.number().int(), points: z.number().int() }),
    'write runs as an MLflow file store (a new or empty folder) that MLflow itself reads',
  ),
  'runs/export': call(z.object({ id: Id, format: ExportFormat }).strict(), ExportedFile, "a run's config and metric points as JSON or CSV"),
} as const;

/**
 * Input fields that name a file on this machine. Only the doors on this machine (the
 * desktop window and the CLI) may pass them; a remote door (serve mode's HTTP) sends the
 * file's content instead, so a token holder cannot make the lab read /etc/passwd.
 */
export const localPathFields: Partial<Record<CallName, readonly string[]>> = { 'datasets/import': ['path'], 'runs/importMlflow': ['path'], 'runs/exportMlflow': ['dir'] };

/** Events the core pushes to every door (serve mode: server-sent events at /api/events; Electron: 'lab:event'). */
export const events = { progress: ProgressEvent } as const;
export type EventName = keyof typeof events;

export type Api = typeof api;
export type CallName = keyof Api;
export type CallInput<N extends CallName> = z.input<Api[N]['input']>;
export type CallOutput<N extends CallName> = z.output<Api[N]['output']>;
/** What the core implements: one function per call, given validated input. */
export type Handlers = { [N in CallName]: (input: z.output<Api[N]['input']>) => CallOutput<N> | Promise<CallOutput<N>> };

export const isCallName = (name: string): name is CallName => Object.prototype.hasOwnProperty.call(api, name);
