import { z } from 'zod';
import { Id, LearningCurve, ModelKind, PolicyName } from './schemas';

/** The study (does the economics pay off?): what starts one, its stored record and its report. */
const StudyOptions = z.object({
  taskSetId: Id,
  /** attention per epoch; the task set's when left out */
  budget: z.number().positive('budget must be more than 0').optional(),
  policies: z.array(PolicyName).min(1, 'pick at least one policy').max(8),
  seeds: z.array(z.number().int().nonnegative()).min(1, 'give at least one seed').max(20),
  epochs: z.number().int().min(1, 'epochs must be at least 1').max(1000).default(5),
  pilotEpochs: z.number().int().min(3, 'the pilot needs at least 3 epochs: a curve is fitted to 3 or more points').max(1000).default(4),
  /** the pilot's attention as a share of one study run's */
  pilotFraction: z.number().gt(0, 'the pilot share must be more than 0').max(1, 'the pilot share is at most 1').default(0.25),
  model: ModelKind.default('bag'),
  name: z.string().trim().max(200).optional(),
}).strict();
export const StudyStartInput = StudyOptions.refine((s) => new Set(s.policies).size === s.policies.length, { message: 'each policy once', path: ['policies'] });
export type StudyStartInput = z.input<typeof StudyStartInput>;

const MeanStd = z.object({ mean: z.number(), std: z.number() });
export const StudyReport = z.object({
  setName: z.string(), tasks: z.array(z.object({ name: z.string(), weight: z.number() })),
  budget: z.number(), totalAttention: z.number(), epochs: z.number(), model: z.string(), seeds: z.array(z.number()), tag: z.string(),
  pilot: z.object({ runId: Id, share: z.number(), epochs: z.number() }),
  fitId: Id,
  fits: z.array(z.object({ task: z.string(), curve: LearningCurve, rmse: z.number(), points: z.number(), fallback: z.string().nullable() })),
  /** test accuracy at the last epoch, per policy: per task and weighted, mean ± std over seeds; attention spent (tokens, mean) */
  accuracy: z.array(z.object({ policy: z.string(), runIds: z.array(Id), perTask: z.array(MeanStd.extend({ task: z.string() })), weighted: MeanStd, attention: z.number() })),
  /** weighted accuracy minus uniform's on the same seed, percentage points, with a 95 % t-interval (null with one seed) */
  paired: z.array(z.object({ policy: z.string(), mean: z.number(), low: z.number().nullable(), high: z.number().nullable(), seeds: z.number(), reading: z.string() })).nullable(),
  predicted: z.array(z.object({ policy: z.string(), task: z.string(), pi: z.number(), predicted: z.number(), achieved: z.number() })),
});
export type StudyReport = z.infer<typeof StudyReport>;

export const StudyStatus = z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted']);
export const Study = z.object({
  id: Id, taskSetId: Id.nullable(), name: z.string(), options: StudyOptions.partial(), status: StudyStatus,
  /** what it is doing now: 'pilot', 'fitting', 'runs', 'report', or '' when stopped */
  phase: z.string(),
  pilotRunId: Id.nullable(), curveFitId: Id.nullable(), runIds: z.record(z.string(), z.array(Id)),
  report: StudyReport.nullable(), markdown: z.string().nullable(), error: z.string().nullable(),
  createdAt: z.string(), finishedAt: z.string().nullable(),
});
export type Study = z.infer<typeof Study>;

/** A file of an exported report: Markdown as text, charts as base64 PNG. */
export const StudyFile = z.object({ filename: z.string(), mime: z.string(), encoding: z.enum(['utf8', 'base64']), body: z.string() });
