/**
 * The renderer as served (issue 17, item 11): bytes over the wire for the first screen
 * (brotli or gzip, per view chunks) beside their uncompressed size, and first contentful
 * paint in Chromium, cold and again with the hashed files cached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src-main/lab';
import { serve } from '../../src-main/server';
import { buildRenderer, launch } from '../e2e/browser';
import { printTable } from './report';

type Load = { fcp: number; wire: number; raw: number; files: number };

export async function benchRenderer(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-renderer-'));
  const rendererDir = buildRenderer();
  const lab = new Lab(join(dir, 'lab.db'));
  const served = await serve({ lab, rendererDir });
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const page = await context.newPage();
    const load = async (p = page): Promise<Load> => {
      await p.goto('about:blank'); // a new visit, not a jump within the page
      await p.goto(served.url, { waitUntil: 'networkidle' });
      await p.getByRole('navigation', { name: 'views' }).waitFor();
      return p.evaluate(() => {
        const files = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => !r.name.includes('/api/'));
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return {
          fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
          wire: nav.transferSize + files.reduce((s, r) => s + r.transferSize, 0),
          raw: nav.decodedBodySize + files.reduce((s, r) => s + r.decodedBodySize, 0),
          files: files.length + 1,
        };
      });
    };
    const cold: Load[] = [], warm: Load[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = await browser.newContext({ viewport: { width: 1280, height: 820 } }); // an empty cache
      cold.push(await load(await fresh.newPage()));
      await fresh.close();
    }
    await load(); // fills this context's cache
    for (let i = 0; i < 5; i++) warm.push(await load());
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const c = { fcp: med(cold.map((x) => x.fcp)), wire: med(cold.map((x) => x.wire)), raw: med(cold.map((x) => x.raw)), files: cold[0].files };
    const w = { fcp: med(warm.map((x) => x.fcp)), wire: med(warm.map((x) => x.wire)) };
    printTable(`First screen (Task sets) in serve mode, Chromium headless, median of 5 loads; ${c.files} files`, [
      { case: 'bytes over the wire, cold (compressed)', value: c.wire / 1024, unit: 'KiB', baseline: c.raw / 1024, target: '< 1/3 of uncompressed', pass: c.wire < c.raw / 3 },
      { case: 'bytes over the wire, reload (hashed files cached)', value: w.wire / 1024, unit: 'KiB', baseline: c.wire / 1024 },
      { case: 'first contentful paint, reload', value: w.fcp, unit: 'ms', baseline: c.fcp },
    ]);
  } finally {
    await browser.close();
    await served.close();
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
