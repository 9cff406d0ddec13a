/**
 * Store benchmark (issue 2): write 1,000,000 metric points, read the curves of
 * 100 runs × 5 tasks × 200 epochs. Baseline: one row per INSERT, measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint } from '../../src-main/api/schemas';
import { appendMetrics, createRun, openDb, readCurves, setRunStatus } from '../../src-main/store';
import { median, printTable, time } from './report';

const RUNS = 100, TASKS = 5, EPOCHS = 200, METRICS = ['val_accuracy', 'val_loss', 'val_f1', 'test_accuracy', 'test_loss', 'test_f1', 'train_loss', 'train_accuracy', 'attention', 'lr'];
const TOTAL = RUNS * TASKS * EPOCHS * METRICS.length; // 1,000,000

/** One run's points, in the order a trainer writes them: an epoch at a time. */
function runPoints(): MetricPoint[][] {
  const epochs: MetricPoint[][] = [];
  for (let e = 0; e < EPOCHS; e++) {
    const batch: MetricPoint[] = [];
    for (let t = 0; t < TASKS; t++) for (const metric of METRICS) batch.push({ epoch: e, step: e * 100, task: `task${t}`, metric, value: Math.random(), attention: e * 1e4, wallMs: e * 250 });
    epochs.push(batch);
  }
  return epochs;
}

export function benchStore(): void {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-'));
  try {
    const epochs = runPoints();

    // Baseline: the same points, one row per INSERT statement, all in one transaction (the best case for single-row inserts).
    const base = openDb(join(dir, 'baseline.db'));
    const baseIns = base.prepare('INSERT INTO metric_points (run_id, metric, task, epoch, step, value, attention, wall_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const baseRuns = Array.from({ length: RUNS }, () => createRun(base, {}).id);
    const baseline = time(() =>
      base.transaction(() => {
        for (const run of baseRuns) for (const batch of epochs) for (const p of batch) baseIns.run(run, p.metric, p.task, p.epoch, p.step, p.value, p.attention, p.wallMs);
      })(),
    );
    // Naive baseline: one row per INSERT, each its own transaction (autocommit), on a sample.
    const SAMPLE = 20_000;
    const flat = epochs.flat().slice(0, SAMPLE);
    const naive = time(() => { for (const p of flat) baseIns.run(baseRuns[0], p.metric, p.task, p.epoch, p.step, p.value, p.attention, p.wallMs); });
    base.close();

    // The lab: appendMetrics in batches of 20 epochs (1,000 points), one transaction each…
    const db = openDb(join(dir, 'lab.db'));
    const runs = Array.from({ length: RUNS }, () => createRun(db, {}).id);
    const chunks = Array.from({ length: EPOCHS / 20 }, (_, i) => epochs.slice(i * 20, i * 20 + 20).flat());
    const lab = time(() => { for (const run of runs) for (const batch of chunks) appendMetrics(db, run, batch); });
    // …and one transaction per epoch (50 points), as a trainer writes: here the commit itself dominates.
    const perEpochDb = openDb(join(dir, 'per-epoch.db'));
    const perEpochRuns = Array.from({ length: RUNS }, () => createRun(perEpochDb, {}).id);
    const perEpoch = time(() => { for (const run of perEpochRuns) for (const batch of epochs) appendMetrics(perEpochDb, run, batch); });
    perEpochDb.close();

    const seal = time(() => { for (const run of runs) setRunStatus(db, run, 'completed'); });

    const baseDb = openDb(join(dir, 'baseline.db'));
    const read = median(7, () => readCurves(db, runs, 'val_accuracy'));
    const curves = readCurves(db, runs, 'val_accuracy');
    if (curves.length !== RUNS * TASKS || curves.some((c) => c.epoch.length !== EPOCHS)) throw new Error('curve read returned the wrong shape');
    // Baseline read: the log itself, one object per row, per run (what a naive repository does).
    const perRow = baseDb.prepare('SELECT * FROM metric_points WHERE run_id = ? AND metric = ? ORDER BY task, epoch');
    const readBase = median(7, () => baseRuns.map((r) => perRow.all(r, 'val_accuracy')));
    baseDb.close();
    db.close();

    const rate = (n: number, ms: number) => n / (ms / 1000);
    printTable(`store: ${TOTAL.toLocaleString('en-US')} metric points (${RUNS} runs × ${TASKS} tasks × ${EPOCHS} epochs × ${METRICS.length} metrics)`, [
      { case: 'write, batches of 1,000 points', value: rate(TOTAL, lab.ms), unit: 'points/s', baseline: rate(TOTAL, baseline.ms), target: '≥ 500,000 points/s', pass: rate(TOTAL, lab.ms) >= 500_000 },
      { case: 'write, one batch per epoch (50 points)', value: rate(TOTAL, perEpoch.ms), unit: 'points/s', baseline: rate(TOTAL, baseline.ms) },
      { case: `write, autocommit per row (${SAMPLE.toLocaleString('en-US')} sample)`, value: rate(SAMPLE, naive.ms), unit: 'points/s' },
      { case: 'pack a finished run (10,000 points)', value: seal.ms / RUNS, unit: 'ms' },
      { case: 'read 100 runs × 5 tasks × 200 epochs', value: read, unit: 'ms', baseline: readBase, target: '< 50 ms', pass: read < 50 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
