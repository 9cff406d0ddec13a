/**
 * Numbers as charts and tables show them, in the app and in reports alike: significant
 * digits with thousands separators, tiny values in scientific notation (not rounded to 0),
 * and integer digits kept (714,361 stays 714,361, not 714,400). Pure: no Node, no DOM.
 */
export const en = (x: number, max = 6) => x.toLocaleString('en-US', { maximumFractionDigits: max });

/** `digits` significant digits. */
export function sig(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-3) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  const p = Math.max(digits, Math.floor(Math.log10(Math.abs(x))) + 1);
  return en(Number(x.toPrecision(p)));
}

/** Bytes as '3.1 GB', '850 MB', '12 kB' (decimal units, as file managers show sizes), the same in the app and the CLI. */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  for (; Math.abs(n) >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${i ? sig(n, 3) : n} ${units[i]}`;
}
