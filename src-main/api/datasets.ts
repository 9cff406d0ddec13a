import { z } from 'zod';
import { Id, finiteNonNegative } from './common';

/** Data sets: labelled text, its splits and tokens, and importing a file as one. */

export const Split = z.enum(['train', 'validation', 'test']);
export const TokenizerSpec = z.object({ kind: z.enum(['word', 'char']), maxLength: z.number().int().min(1).max(10_000) }).strict();
const SplitCounts = z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() });
export const SplitFractions = z
  .object({ train: finiteNonNegative('fractions.train'), validation: finiteNonNegative('fractions.validation'), test: finiteNonNegative('fractions.test') })
  .strict()
  .refine((f) => f.train > 0 && f.validation + f.test > 0, 'fractions: the training split and at least one of validation and test must be > 0');

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  source: z.string(),
  description: z.string(),
  labels: z.array(z.string()),
  tokenizer: TokenizerSpec,
  counts: SplitCounts,
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const DatasetStats = z.object({
  counts: SplitCounts,
  labels: z.array(SplitCounts.extend({ label: z.string() })),
  tokenLengths: z.object({
    bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })),
    mean: z.number(), median: z.number(), p95: z.number(), max: z.number(), truncated: z.number(),
  }),
  trainTokens: z.number(),
});

export const Dataset = DatasetSummary.extend({
  stats: DatasetStats,
  notes: z.array(z.string()),
  split: z.union([z.object({ seed: z.number().int(), fractions: z.object({ train: z.number(), validation: z.number(), test: z.number() }) }), z.object({ column: z.string() })]),
});
export type Dataset = z.infer<typeof Dataset>;

export const BuiltinInfo = z.object({ name: z.string(), description: z.string(), source: z.string(), loadedId: Id.nullable() });

const datasetName = z.string().trim().min(1, 'name must not be empty').max(200);
export const ImportInput = z
  .object({
    /** a file on this machine (Electron, CLI) … */
    path: z.string().min(1).optional(),
    /** … or its content, uploaded (serve mode); `filename` gives the format */
    content: z.string().max(16 * 1024 * 1024, 'content: the upload is larger than 16 MiB; import the file by path with the CLI').optional(),
    filename: z.string().min(1).optional(),
    name: datasetName.optional(),
    format: z.enum(['csv', 'tsv', 'jsonl']).optional(),
    text: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    split: z.string().min(1).optional(),
    seed: z.number().int().default(1),
    fractions: SplitFractions.optional(),
    tokenizer: TokenizerSpec.partial().optional(),
    maxLabels: z.number().int().min(2).max(100_000).default(100),
  })
  .strict()
  .refine((i) => (i.path === undefined) !== (i.content === undefined), 'give either path or content (with filename)')
  .refine((i) => i.content === undefined || i.filename !== undefined, { message: 'filename is needed with content', path: ['filename'] });
export type ImportInput = z.input<typeof ImportInput>;
