import os from 'node:os';
import type * as store from '../store';

/** Assumed peak RSS of a trainer before any run has measured one (MiB). */
const UNMEASURED_PEAK_MIB = 1024;

/**
 * How many trainers may run at once by default: one per core, as long as the free memory
 * holds that many trainers at the largest peak RSS the last runs recorded.
 */
export function defaultParallel(db: store.Db): { parallel: number; cores: number; peakMiB: number; freeMiB: number } {
  // the last 20 runs' peaks, read in SQL: not every run of a 10,000-run store parsed to take 20 (the Runs view asks on open)
  const peaks = db.prepare("SELECT json_extract(environment, '$.memoryMiB.peak') FROM (SELECT environment FROM runs ORDER BY id DESC LIMIT 20)").pluck().all().filter((p): p is number => typeof p === 'number');
  const peakMiB = peaks.length ? Math.max(...peaks) : UNMEASURED_PEAK_MIB;
  const cores = os.availableParallelism(), freeMiB = Math.round(os.freemem() / 2 ** 20);
  return { parallel: Math.max(1, Math.min(cores, Math.floor(freeMiB / peakMiB))), cores, peakMiB, freeMiB };
}
