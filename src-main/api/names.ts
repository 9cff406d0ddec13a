/**
 * Names several places list (the contract's enums, the CLI's choices, the views' selects),
 * kept once, as plain arrays: the renderer imports them without pulling in zod.
 */
export const POLICY_NAMES = ['uniform', 'size', 'temperature', 'seed-formula', 'lp', 'milp', 'dp', 'curve'] as const;
export const MODEL_KINDS = ['bag', 'cnn', 'transformer'] as const;
/** Metrics a lab run logs per task each epoch (train.ts), in the order the views offer them; a script's runs may log any other. */
export const RUN_METRICS = ['test.accuracy', 'val.accuracy', 'test.f1', 'val.f1', 'val.loss', 'train.loss'] as const;

/** A loss ranks low first; every other metric (accuracy, F1, a script's score) high first. */
export const lowerIsBetter = (metric: string): boolean => /loss/.test(metric);

/** Seconds as '45 s', '2 min 19 s', '1 h 5 min' (an ETA, a duration). */
export function duration(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`;
}
