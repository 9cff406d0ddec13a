import { z } from 'zod';
import { MODEL_KINDS, POLICY_NAMES } from './names';

/** Domain shapes shared by every door. Inputs are strict: an unknown field is a typo, not data. */

import { Id, finite, finiteNonNegative, positive } from './common';

export { Id } from './common';
// data sets and their import: a noun of their own (api/datasets.ts), part of the same contract
export * from './datasets';

const share = (what: string) => finiteNonNegative(what).refine((v) => v <= 1, `${what} must be ≤ 1`);

export const TaskInput = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(200),
    /** a_i: attention units (tokens) to execute the task once in full; measured from the data set when omitted. */
    attentionCost: finiteNonNegative('attentionCost').optional(),
    /** t_i: seconds to execute the task once in full. */
    timeCost: finiteNonNegative('timeCost').default(0),
    /** w_i: priority weight. */
    weight: finiteNonNegative('weight').default(1),
    /** l_i, u_i: floor and cap on the share π_i. */
    floor: share('floor').default(0),
    cap: share('cap').default(1),
    /** n_i: training examples; taken from the data set when one is linked. */
    examples: z.number().int().positive().nullable().default(null),
    /** name of a stored data set (optional: synthetic tasks have none). */
    dataset: z.string().min(1).nullable().default(null),
  })
  .strict()
  .refine((t) => t.floor <= t.cap, { message: 'floor must not exceed cap', path: ['floor'] })
  .refine((t) => t.attentionCost !== undefined || t.dataset !== null, { message: 'attentionCost is required for a task without a data set', path: ['attentionCost'] });
export type TaskInput = z.input<typeof TaskInput>;

export const TaskSetInput = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(200),
    description: z.string().max(10_000).default(''),
    /** A: attention budget per epoch. */
    budget: positive('budget'),
    /** optional time budget per epoch (seconds). */
    timeBudget: positive('timeBudget').nullable().default(null),
    tasks: z.array(TaskInput).min(1, 'a task set needs at least one task'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.tasks.forEach((t, i) => {
      const j = seen.get(t.name);
      if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'name'], message: `duplicate task name '${t.name}' (also tasks[${j}])` });
      seen.set(t.name, i);
    });
  });
export type TaskSetInput = z.input<typeof TaskSetInput>;
export type TaskSetParsed = z.output<typeof TaskSetInput>;

export const Task = z.object({
  id: Id,
  position: z.number().int(),
  name: z.string(),
  attentionCost: z.number(),
  attentionMeasured: z.boolean(),
  timeCost: z.number(),
  timeMeasured: z.boolean(),
  weight: z.number(),
  floor: z.number(),
  cap: z.number(),
  examples: z.number().int().nullable(),
  datasetId: Id.nullable(),
  datasetName: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskSet = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  budget: z.number(),
  timeBudget: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  tasks: z.array(Task),
});
export type TaskSet = z.infer<typeof TaskSet>;

export const TaskSetSummary = TaskSet.omit({ tasks: true }).extend({ taskCount: z.number().int(), totalAttention: z.number() });
export type TaskSetSummary = z.infer<typeof TaskSetSummary>;

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

const RunBase = z.object({
  id: Id,
  taskSetId: Id.nullable(),
  solveId: Id.nullable(),
  name: z.string(),
  status: RunStatus,
  backend: z.string().nullable(),
  environment: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  notes: z.string(),
  tags: z.array(z.string()),
  /** the tracking API's experiment (null for the lab's own runs) */
  experimentId: z.number().int().nonnegative().nullable(),
});

export const PolicyName = z.enum(POLICY_NAMES);
export type PolicyName = z.infer<typeof PolicyName>;
export const ModelKind = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKind>;

/** What the lab trains a run with, stored with the run: one schema for every reader of it. */
export const LabRunConfig = z.object({
  model: ModelKind,
  dim: z.number().int(),
  hidden: z.number().int(),
  lr: z.number(),
  batchSize: z.number().int(),
  epochs: z.number().int(),
  vocabSize: z.number().int(),
  /** threads of one step (runs stored before it existed have none: 1) */
  threads: z.number().int().optional(),
  policy: PolicyName,
  solveId: Id.nullable(),
  initFrom: Id.nullable(),
  /** each task's share π of its training data per epoch, and its weight in the loss */
  tasks: z.array(z.object({ name: z.string(), datasetId: Id, pi: z.number(), weight: z.number() })),
});
export type LabRunConfig = z.infer<typeof LabRunConfig>;

/** A tracked run's config: the params its script logged, as the strings MLflow keeps. */
export const TrackedParams = z.record(z.string(), z.string());

/**
 * A run: 'lab' ones were trained by the lab, with a LabRunConfig; 'mlflow' ones were
 * logged by a script through the tracking API (never queued or resumed), with its params.
 */
export const Run = z.discriminatedUnion('source', [
  RunBase.extend({ source: z.literal('lab'), config: LabRunConfig }),
  RunBase.extend({ source: z.literal('mlflow'), config: TrackedParams }),
]);
export type Run = z.infer<typeof Run>;
export type RunConfig = Run['config'];

/** Any run's config field by name (a group, a diff, a column), whichever kind of run it is. */
export const configField = (c: RunConfig, key: string): unknown => (c as Record<string, unknown>)[key];

/** One logged value: `task` is '' for run-level metrics (e.g. overall loss). */
export const MetricPoint = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  task: z.string(),
  metric: z.string().min(1),
  value: z.number(),
  attention: z.number(),
  wallMs: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const DbInfo = z.object({
  path: z.string(),
  schemaVersion: z.number().int(),
  sizeBytes: z.number(),
  counts: z.record(z.string(), z.number()),
});
export type DbInfo = z.infer<typeof DbInfo>;

export const ExportFormat = z.enum(['json', 'csv']);
export const ExportedFile = z.object({ filename: z.string(), mime: z.string(), body: z.string() });
export type ExportedFile = z.infer<typeof ExportedFile>;

// ---- Solving -----------------------------------------------------------------

/** A concave learning curve acc(n) = alpha − beta · n^(−gamma) for n examples seen. */
export const LearningCurve = z
  .object({ alpha: finite('alpha'), beta: finiteNonNegative('beta'), gamma: positive('gamma') })
  .strict();
export type LearningCurve = z.infer<typeof LearningCurve>;

/** How to solve: the policy and its parameters. Budgets default to the task set's own. */
export const SolveParams = z
  .object({
    policy: PolicyName,
    budget: positive('budget').optional(),
    timeBudget: positive('timeBudget').nullable().optional(),
    /** temperature T of the temperature policy: π ∝ n^(1/T) */
    temperature: positive('temperature').default(2),
    /** optional share cap s: π_i ≤ s · Σ_j π_j (lp and milp) */
    shareCap: positive('shareCap').refine((v) => v <= 1, 'shareCap must be ≤ 1').nullable().default(null),
    /** examples per batch: c_i counts batches of this size for tasks with data */
    batchSize: z.number().int().positive().default(32),
    /** units per task for tasks without data (synthetic): π moves in steps of 1/units in milp and dp */
    units: z.number().int().positive().max(100_000).default(100),
    /** milp: seconds of branch-and-bound before it returns the best counts found (status `feasible`) */
    timeLimit: positive('timeLimit').default(10),
    /** the curve policy's learning curves, by task name */
    curves: z.record(z.string(), LearningCurve).optional(),
    /** … or a stored fit (curves/fit, curves/save), read for a run of `epochs` epochs */
    curveFitId: Id.optional(),
    /** the curve policy with a stored fit: epochs the allocation is for (a fit counts examples seen in all) */
    epochs: z.number().int().min(1, 'epochs must be at least 1').max(1000).optional(),
  })
  .strict();
export type SolveParams = z.input<typeof SolveParams>;
export type SolveParamsParsed = z.output<typeof SolveParams>;

export const Allocation = z.object({
  policy: PolicyName,
  status: z.enum(['optimal', 'feasible', 'infeasible']),
  tasks: z.array(z.string()),
  /** π_i, the share of task i executed per epoch */
  pi: z.array(z.number()),
  /** c_i = π_i · N_i: units executed per epoch (batches for data tasks, `units` otherwise) */
  counts: z.array(z.number()),
  unitsPerTask: z.array(z.number()),
  objective: z.object({ value: z.number(), attention: z.number(), time: z.number(), predictedAccuracy: z.number().optional() }),
  duals: z.object({ attention: z.number().nullable(), time: z.number().nullable() }),
  binding: z.array(z.string()),
  explanation: z.string().nullable(),
  leastBudget: z.number().nullable(),
  notes: z.array(z.string()),
  /** what solved it, with its version: 'HiGHS 1.15.1', 'GLPK 5.0 (glpk.js)', or the lab's own dynamic programme or closed form */
  engine: z.string(),
  solverMs: z.number(),
});
export type Allocation = z.infer<typeof Allocation>;

/** A stored solve; `engine` is null for solves stored before the lab recorded it. */
export const Solve = Allocation.extend({ id: Id, taskSetId: Id, params: z.record(z.string(), z.unknown()), createdAt: z.string(), engine: z.string().nullable() });
export type Solve = z.infer<typeof Solve>;

/** One task's learning curve in a stored fit: the curve, how well it fits, the points it was fitted to. */
export const TaskFit = z.object({
  task: z.string(),
  curve: LearningCurve,
  /** root-mean-square error over the points; null when typed by hand */
  rmse: z.number().nullable(),
  /** (examples seen, validation accuracy) pairs, pooled over the fitted runs */
  points: z.array(z.object({ n: z.number(), acc: z.number(), runId: Id })),
  /** why a flat curve was used instead of a fitted one (too few points, no rise) */
  fallback: z.string().nullable(),
});
export const CurveFit = z.object({
  id: Id, taskSetId: Id, name: z.string(), source: z.enum(['runs', 'manual']), runIds: z.array(Id), tasks: z.array(TaskFit), createdAt: z.string(),
});
export type CurveFit = z.infer<typeof CurveFit>;

export const SweepPoint = z.object({ budget: z.number(), status: z.string(), value: z.number(), attention: z.number(), dual: z.number().nullable(), pi: z.array(z.number()), /** the curve policy: weighted accuracy its curves predict */ predictedAccuracy: z.number().optional() });
export const Sweep = z.object({ policy: PolicyName, tasks: z.array(z.string()), points: z.array(SweepPoint), totalAttention: z.number(), leastBudget: z.number() });
export type Sweep = z.infer<typeof Sweep>;

/** Progress of long work (imports, loading built-ins, profiling, training), pushed to whoever listens. */
export const ProgressEvent = z.object({
  job: z.string(),
  kind: z.enum(['import', 'builtin', 'profile', 'run', 'study']),
  phase: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  message: z.string(),
  /** runs only */
  runId: Id.optional(),
  /** studies only */
  studyId: Id.optional(),
  epoch: z.number().int().optional(),
  epochs: z.number().int().optional(),
  /** runs only: set on the event that says an epoch has ended and its metrics are stored */
  epochDone: z.literal(true).optional(),
  etaS: z.number().nullable().optional(),
  samplesPerS: z.number().optional(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

/** A training request: one run per seed, each trained with the allocation of one solve. */
export const RunStartInput = SolveParams.extend({
  taskSetId: Id,
  /** the policy to solve with now (stored as a solve), unless a stored solve is named */
  policy: PolicyName.default('lp'),
  solveId: Id.optional(),
  epochs: z.number().int().min(1, 'epochs must be at least 1').max(1000).default(5),
  seeds: z.array(z.number().int().nonnegative()).min(1, 'give at least one seed').max(100).default([1]),
  model: ModelKind.default('bag'),
  dim: z.number().int().min(2).max(1024).default(64),
  hidden: z.number().int().min(1).max(4096).default(64),
  lr: positive('lr').refine((v) => v <= 1, 'lr must be ≤ 1').default(0.005),
  vocabSize: z.number().int().min(10).max(1_000_000).default(20_000),
  /** threads one run's training step uses (the bag model on the pure-JS backend): any count gives the same numbers */
  threads: z.number().int().min(1, 'threads must be at least 1').max(64).default(1),
  /** start from this run's checkpoint (its encoder; heads of same-named tasks) */
  initFrom: Id.optional(),
  name: z.string().trim().max(200).optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
})
  .strict()
  .refine((r) => r.model !== 'transformer' || r.dim % 2 === 0, { message: 'the transformer splits dim over 2 attention heads: dim must be even', path: ['dim'] });
export type RunStartInput = z.input<typeof RunStartInput>;

/** Bands: mean ± std, mean ± 95 % t-interval, median with interquartile range, or min–max. */
export const Aggregate = z.enum(['std', 'ci95', 'iqr', 'minmax']);
export type Aggregate = z.infer<typeof Aggregate>;

/** Which runs to compare, on which metric and axis, grouped how. */
export const CompareInput = z.object({
  ids: z.array(Id).min(1, 'select at least one run').max(10_000, 'compare at most 10,000 runs at once'),
  metric: z.string().min(1).default('test.accuracy'),
  x: z.enum(['epoch', 'attention', 'wallMs']).default('epoch'),
  /** 'policy', 'model', 'seed', 'taskSet' or any config field; null: every run on its own */
  groupBy: z.string().min(1).nullable().default(null),
  /** one curve per task, or the mean over tasks */
  perTask: z.boolean().default(false),
  /** the band around each group's centre line */
  aggregate: Aggregate.default('std'),
}).strict();
export type CompareInput = z.output<typeof CompareInput>;

export const Comparison = z.object({
  metric: z.string(),
  x: z.enum(['epoch', 'attention', 'wallMs']),
  groupBy: z.string().nullable(),
  tasks: z.array(z.string()),
  runs: z.array(z.object({
    id: Id, name: z.string(), status: RunStatus, group: z.string(), seed: z.number(), policy: z.string(), model: z.string(), epochs: z.number(), taskSet: z.string(),
    final: z.record(z.string(), z.number().nullable()), mean: z.number().nullable(),
    /** tokens spent, and the mean metric gained over epoch 0 per million of them */
    attention: z.number(), gainPerMTokens: z.number().nullable(), best: z.boolean(),
  })),
  /** per group (and task, '' = mean over tasks): mean ± std over the group's runs, point by point */
  aggregate: Aggregate.default('std'),
  /** per group: `mean` is the centre line (the median for 'iqr'), `lo`–`hi` the band, `std` the sample std */
  series: z.array(z.object({ group: z.string(), task: z.string(), runIds: z.array(Id), x: z.array(z.number()), mean: z.array(z.number()), std: z.array(z.number()), lo: z.array(z.number()).optional(), hi: z.array(z.number()).optional(), n: z.array(z.number()) })),
  /** what the reader must know: runs of several task sets, say */
  warnings: z.array(z.string()).default([]),
  /** every field that varies among the selected runs, with its value(s) in each group */
  diff: z.array(z.object({ field: z.string(), values: z.array(z.object({ group: z.string(), value: z.string() })) })),
});
export type Comparison = z.infer<typeof Comparison>;
