/**
 * One import in a fresh process, so its peak RSS is its own. argv: variant file db.
 * Prints one JSON line: { ms, rows, peakRssMiB }.
 *   lab:   importDataset (streaming read, split, statistics, one transaction)
 *   naive: the whole file read into one string, papaparse with header objects, one INSERT per row
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { importDataset } from '../../src-main/datasets';
import * as store from '../../src-main/store';

const [variant, file, dbPath] = process.argv.slice(2);
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
const t0 = performance.now();
const db = store.openDb(dbPath);
let rows: number;
if (variant === 'lab') {
  const phases: Record<string, number> = {};
  const d = await importDataset(db, file, { name: 'bench' }, (p) => (phases[p.phase] ??= performance.now() - t0));
  if (process.env.PHASES) console.error(phases);
  rows = d.counts.train + d.counts.validation + d.counts.test;
} else {
  const parsed = Papa.parse<{ text: string; label: string }>(readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true });
  store.createDataset(db, { name: 'bench', source: 'naive', labels: [...new Set(parsed.data.map((r) => r.label))] },
    parsed.data.map((r, i) => ({ text: r.text, label: r.label, split: i % 10 === 0 ? 'test' : i % 10 === 1 ? 'validation' : 'train' })));
  rows = parsed.data.length;
}
const ms = performance.now() - t0;
clearInterval(sample);
peak = Math.max(peak, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
db.close();
console.log(JSON.stringify({ ms, rows, peakRssMiB: peak / 2 ** 20 }));
