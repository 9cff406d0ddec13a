import { z } from 'zod';
import { ExportFormat, Id, RunStatus } from './schemas';

/** The runs list: filtered, searched, sorted and paged on the server (src-main/store/runQuery.ts has the query syntax). */
export const RunListInput = z.object({
  status: RunStatus.optional(),
  taskSetId: Id.optional(),
  /** only these runs (a selection's rows, a row that changed) */
  ids: z.array(Id).max(100_000).optional(),
  /** e.g. `policy:lp seed:1 test.accuracy>0.9 "some words"` */
  q: z.string().max(2_000).optional(),
  /** id, name, status, seed, createdAt, startedAt, finishedAt, duration, tags, notes, taskSet, backend, policy, model, epochs, final, or config:FIELD */
  sort: z.string().min(1).max(200).default('id'),
  desc: z.boolean().default(true),
  /** the final metric each row carries (and `final` sorts by): mean over tasks at the run's last epoch */
  metric: z.string().min(1).max(200).default('test.accuracy'),
  /** config fields to return as columns */
  columns: z.array(z.string().min(1).max(100)).max(30).default([]),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(20_000).default(200),
  /** also every matching run's id, in order (select all matching) */
  withIds: z.boolean().default(false),
}).strict();
export type RunListInput = z.output<typeof RunListInput>;

export const RunRow = z.object({
  id: Id, name: z.string(), status: RunStatus, seed: z.number(), taskSetId: Id.nullable(), taskSet: z.string().nullable(),
  policy: z.string().nullable(), model: z.string().nullable(), epochs: z.number().nullable(),
  createdAt: z.string(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(), durationMs: z.number().nullable(),
  backend: z.string().nullable(), tags: z.array(z.string()), notes: z.string(), final: z.number().nullable(),
  columns: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /** 'mlflow': logged by a script through the tracking API (or imported), in `experiment` */
  source: z.enum(['lab', 'mlflow']), experiment: z.string().nullable(),
});
export type RunRow = z.infer<typeof RunRow>;
export const RunList = z.object({ total: z.number().int(), rows: z.array(RunRow), ids: z.array(Id).optional() });

/** Bulk actions name runs by id, or by the list's query (every run it matches). */
export const RunSelection = z.object({ ids: z.array(Id).max(100_000).optional(), q: z.string().max(2_000).optional() }).strict()
  .refine((s) => (s.ids === undefined) !== (s.q === undefined), 'give either ids or q');
export const BulkTagInput = z.object({ ids: z.array(Id).min(1).max(100_000), add: z.array(z.string().trim().min(1).max(100)).max(50).default([]), remove: z.array(z.string().trim().min(1).max(100)).max(50).default([]) }).strict();

/** A named view of the compare screen: its whole state, as the renderer serialises it. */
export const SavedView = z.object({ id: Id, name: z.string(), state: z.record(z.string(), z.unknown()), updatedAt: z.string() });
export type SavedView = z.infer<typeof SavedView>;
export const SaveViewInput = z.object({ name: z.string().trim().min(1, 'name the view').max(200), state: z.record(z.string(), z.unknown()) }).strict();

/** A streamed export (serve mode's POST /api/export; the CLI writes the same stream to a file). */
export const ExportStreamInput = z.object({
  ids: z.array(Id).min(1).max(100_000), format: ExportFormat, shape: z.enum(['long', 'wide']).default('long'),
  metrics: z.array(z.string().min(1)).max(20).default(['test.accuracy', 'val.accuracy', 'test.f1', 'val.loss']),
}).strict();
