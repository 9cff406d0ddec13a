/**
 * Child process for the crash tests: appends metric-point batches to a run in a loop,
 * printing `committed N` after each committed batch, until killed or N batches are done.
 * argv: dbPath runId batchSize batches
 */
import { appendMetrics, openDb } from '../../../src-main/store';

const [dbPath, runId, batchSize, batches] = process.argv.slice(2);
const db = openDb(dbPath);
const size = Number(batchSize);
for (let b = 0; b < Number(batches); b++) {
  const points = Array.from({ length: size }, (_, i) => ({ epoch: b, step: i, task: `t${i % 5}`, metric: 'val_accuracy', value: Math.random(), attention: i, wallMs: i }));
  appendMetrics(db, Number(runId), points);
  process.stdout.write(`committed ${b + 1}\n`);
}
db.close();
