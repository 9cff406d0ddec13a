/**
 * Responsiveness benchmark (issues 6, 19): API round trips through serve mode (HTTP, the
 * same path as the browser) while two runs train at once (two trainer processes), against
 * the same calls with nothing training; and the whole lab's peak RSS with both trainers.
 * The trainers are their own processes, so the lab's event loop should barely notice them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src-main/lab';
import { serve } from '../../src-main/server';
import { printTable } from './report';

async function roundTrips(url: string, token: string, until: () => boolean, max = 2000): Promise<number[]> {
  const ms: number[] = [];
  while (!until() && ms.length < max) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/runs/list`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    await res.json();
    ms.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return ms.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

export async function benchServe(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-serve-'));
  const lab = new Lab(join(dir, 'lab.db'), { parallel: 2 });
  const served = await serve({ lab, rendererDir: dir });
  const base = `http://127.0.0.1:${served.port}`;
  try {
    const set = await lab.call('taskSets/create', { name: 'spam', budget: 1e9, tasks: [{ name: 'spam', dataset: 'spam' }] });
    const idleEnd = performance.now() + 3000;
    const idle = await roundTrips(base, served.token, () => performance.now() > idleEnd);
    const runs = await lab.call('runs/start', { taskSetId: set.id, epochs: 10, seeds: [1, 2] });
    let finished = false;
    void Promise.all(runs.map((r) => lab.runs.wait(r.id))).then(() => (finished = true));
    const busy = await roundTrips(base, served.token, () => finished);
    const done = await Promise.all(runs.map((r) => lab.runs.wait(r.id)));
    const trainers = done.map((r) => (r.environment.memoryMiB as { peak: number }).peak);
    const labMiB = process.resourceUsage().maxRSS / 1024;
    printTable(`API round trips over HTTP (runs/list) while two 10-epoch spam runs train at once: ${busy.length} calls, idle ${idle.length}`, [
      { case: 'p50 round trip', value: pct(busy, 0.5), unit: 'ms', baseline: pct(idle, 0.5) },
      { case: 'p99 round trip', value: pct(busy, 0.99), unit: 'ms', baseline: pct(idle, 0.99), target: '< 50 ms', pass: pct(busy, 0.99) < 50 },
      { case: 'slowest round trip', value: busy.at(-1)!, unit: 'ms', baseline: idle.at(-1)! },
      { case: `whole lab's peak RSS: lab ${Math.round(labMiB)} + trainers ${trainers.map(Math.round).join(' + ')} MiB`, value: labMiB + trainers.reduce((a, b) => a + b, 0), unit: 'MiB', baseline: labMiB + trainers[0], target: 'baseline: one trainer' },
    ]);
  } finally {
    await served.close();
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
