/**
 * Numbers as the app shows them. Where a user copies a value back into a field (a
 * budget, an advised least budget) it is exact or rounded in the safe direction;
 * elsewhere significant digits with thousands separators; units are the caller's.
 */
import { bytes, en, sig } from '@api/format';

export { bytes, sig };

/** The smallest easy-to-type number ≥ x: whole units from 100 up, else 4 significant digits, rounded up. */
export function atLeast(x: number): number {
  if (x >= 100) return Math.ceil(x);
  if (x <= 0) return 0;
  const scale = 10 ** (3 - Math.floor(Math.log10(x)));
  return Math.ceil(x * scale) / scale;
}

/** An exact value a user may copy: every digit, with separators. */
export const exact = (x: number) => en(x, 12);

export { duration } from '@api/names';

/** What a compaction did, in a sentence: sizes before and after, and what the disk got back. */
export function givenBack(r: { before: number; after: number }): string {
  const back = r.before - r.after;
  return `Compacted: ${bytes(r.before)} → ${bytes(r.after)}; ${back > 0 ? `${bytes(back)} given back to the disk` : 'nothing to give back'}`;
}
