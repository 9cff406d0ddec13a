/** Numbers in explanations: up to 4 significant decimals, no trailing zeros. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 1e-4) return String(Number(x.toPrecision(Math.max(4, Math.ceil(Math.log10(Math.abs(x))) + 4))));
  return x.toExponential(2);
}
