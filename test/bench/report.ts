/** Shared by the benchmarks: timing, and a table that puts each figure beside its baseline. */
export function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

/** Median of `n` timed repetitions. */
export function median(n: number, fn: () => unknown): number {
  const ms = Array.from({ length: n }, () => time(fn).ms).sort((a, b) => a - b);
  return ms[Math.floor(n / 2)];
}

export interface Row { case: string; value: number; unit: string; baseline?: number; target?: string; pass?: boolean }

export function printTable(title: string, rows: Row[]): void {
  const f = (x: number | undefined) => (x === undefined ? '' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
  const cells = rows.map((r) => [
    r.case, `${f(r.value)} ${r.unit}`, r.baseline === undefined ? '' : `${f(r.baseline)} ${r.unit}`,
    r.baseline === undefined ? '' : `${(r.value / r.baseline).toFixed(1)}×`, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const head = ['case', 'lab', 'baseline', 'ratio', 'target', 'met'];
  const w = head.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  const line = (c: string[]) => '| ' + c.map((x, j) => x.padEnd(w[j])).join(' | ') + ' |';
  console.log(`\n### ${title}\n`);
  console.log(line(head));
  console.log('| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |');
  for (const c of cells) console.log(line(c));
}
