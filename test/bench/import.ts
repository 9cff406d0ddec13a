/**
 * Import benchmark (issue 4): a generated 1,000,000-row CSV (quoted texts with commas,
 * three labels) through the lab's streaming importer, beside a naive import of the same
 * file (read whole, papaparse into header objects, stored) — each in its own process.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { printTable, type Row } from './report';

const WORDS = 'the budget attention model task split label token epoch loss accuracy batch weight policy curve run seed data text words'.split(' ');

async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  out.write('id,text,label\n');
  for (let i = 0; i < rows; i++) {
    const n = 5 + Math.floor(rnd() * 20);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
    if (!out.write(`${i},"${words.join(' ')}, row ${i}",${['pos', 'neg', 'neutral'][i % 3]}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function benchImport(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-import-'));
  try {
    const file = join(dir, 'million.csv');
    await generate(file, 1_000_000);
    const child = (variant: string) =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), variant, file, join(dir, `${variant}.db`)], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1)!) as { ms: number; rows: number; peakRssMiB: number };
    const lab = child('lab'), naive = child('naive');
    const mib = statSync(file).size / 2 ** 20;
    const rows: Row[] = [
      { case: `import 1,000,000 rows (${mib.toFixed(0)} MiB CSV): time`, value: lab.ms / 1000, unit: 's', baseline: naive.ms / 1000, target: '< 20 s', pass: lab.ms < 20_000 && lab.rows === 1_000_000 },
      { case: 'rows per second', value: lab.rows / (lab.ms / 1000), unit: 'rows/s', baseline: naive.rows / (naive.ms / 1000) },
      { case: 'peak RSS', value: lab.peakRssMiB, unit: 'MiB', baseline: naive.peakRssMiB, target: '< 1,024 MiB', pass: lab.peakRssMiB < 1024 },
    ];
    printTable('Import: the lab\'s streaming importer (split, statistics, one transaction) against a naive whole-file import', rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
