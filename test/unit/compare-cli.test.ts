import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli';
import { seeded } from './helpers/compare';
import { tmpDir } from './helpers/tmp';

/** The CLI's compare in its own process (apart from compare.test.ts: a mutation run cannot reach a child process's code). */
describe('compare on the command line', () => {
  const dir = tmpDir();
  it('prints the final table and the diff, and writes the chart as a PNG rendered in Node', async () => {
    const db = join(dir, 'lab.db');
    const { lab } = seeded(db);
    lab.close();
    const png = join(dir, 'compare.png');
    const r = await cli(['--db', db, 'compare', '1', '2', '3', '4', '--group-by', 'policy', '--x', 'attention', '--png', png]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n\s*2\s+lp\s+2\s+3\s+0\.9\s+0\.75\s+0\.825\s+6000\s+37\.5\s+best\n/);
    expect(r.stdout).toMatch(/what differs: policy \(lp: lp, uniform: uniform\)/);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(2000); // 1000 px chart at 2×
    expect((await cli(['--db', db, 'compare', '9'])).stderr).toMatch(/run 9 does not exist/);
  }, 30_000);
});
