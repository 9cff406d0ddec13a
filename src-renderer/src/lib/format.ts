/**
 * Numbers as the app shows them. Where a user copies a value back into a field (a
 * budget, an advised least budget) it is exact or rounded in the safe direction;
 * elsewhere significant digits with thousands separators; units are the caller's.
 */
const en = (x: number, max = 6) => x.toLocaleString('en-US', { maximumFractionDigits: max });

/** `digits` significant digits (tiny values in scientific notation, not rounded to 0). */
export function sig(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-3) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  // large numbers keep their integer digits: 714,361 stays 714,361, not 714,400
  const p = Math.max(digits, Math.floor(Math.log10(Math.abs(x))) + 1);
  return en(Number(x.toPrecision(p)));
}

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
