/**
 * Responsiveness benchmark (issue 6): API round trips through serve mode (HTTP, the same
 * path as the browser) while a run trains, against the same calls with nothing training.
 * The trainer is its own process, so the lab's event loop should barely notice it.
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
  const lab = new Lab(join(dir, 'lab.db'));
  const served = await serve({ lab, rendererDir: dir });
  const base = `http://127.0.0.1:${served.port}`;
  try {
    const set = await lab.call('taskSets/create', { name: 'spam', budget: 1e9, tasks: [{ name: 'spam', dataset: 'spam' }] });
    const idleEnd = performance.now() + 3000;
    const idle = await roundTrips(base, served.token, () => performance.now() > idleEnd);
    const [run] = await lab.call('runs/start', { taskSetId: set.id, epochs: 5 });
    let finished = false;
    void lab.runs.wait(run.id).then(() => (finished = true));
    const busy = await roundTrips(base, served.token, () => finished);
    printTable(`API round trips over HTTP (runs/list) while a 5-epoch spam run trains: ${busy.length} calls, idle ${idle.length}`, [
      { case: 'p50 round trip', value: pct(busy, 0.5), unit: 'ms', baseline: pct(idle, 0.5) },
      { case: 'p99 round trip', value: pct(busy, 0.99), unit: 'ms', baseline: pct(idle, 0.99), target: '< 50 ms', pass: pct(busy, 0.99) < 50 },
      { case: 'slowest round trip', value: busy.at(-1)!, unit: 'ms', baseline: idle.at(-1)! },
    ]);
  } finally {
    await served.close();
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
