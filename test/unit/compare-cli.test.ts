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

describe('compare on the command line: bands, a range, a log axis', () => {
  const dir = tmpDir();
  it('--aggregate median-iqr and --x-range read each group at the range’s last point; --log and --x-range shape the PNG; bad values are refused in the CLI’s words', async () => {
    const db = join(dir, 'lab.db');
    seeded(db).lab.close();
    const r = await cli(['--db', db, 'compare', '1', '2', '3', '4', '--group-by', 'policy', '--aggregate', 'median-iqr', '--x-range', '1:2']);
    expect(r.stderr).toBe('');
    // lp's seeds at epoch 2: 0.65 and 0.75 (mean over tasks) → median 0.7, IQR 0.675–0.725
    expect(r.stdout).toMatch(/test\.accuracy at the last epoch in 1:2 \(median\)\s+interquartile range/);
    expect(r.stdout).toMatch(/\n\s*lp\s+2\s+2\s+0\.7\s+0\.675–0\.725\n/);
    expect(r.stdout).toMatch(/\n\s*uniform\s+2\s+2\s+0\.45\s+0\.450–0\.450\n/);
    const whole = await cli(['--db', db, 'compare', '1', '2', '3', '4', '--group-by', 'policy', '--aggregate', 'min-max']);
    expect(whole.stdout).toMatch(/\n\s*lp\s+2\s+3\s+0\.775\s+0\.725–0\.825\n/); // the last epoch, mean and min–max
    const png = (name: string, ...flags: string[]) => cli(['--db', db, 'compare', '1', '2', '3', '4', '--group-by', 'policy', '--png', join(dir, name), ...flags]).then((x) => { expect(x.code).toBe(0); return readFileSync(join(dir, name)); });
    const plain = await png('plain.png'), log = await png('log.png', '--log'), part = await png('part.png', '--x-range', '1:2');
    expect(log.equals(plain)).toBe(false);
    expect(part.equals(plain)).toBe(false);
    expect((await cli(['--db', db, 'compare', '1', '--log'])).stderr).toMatch(/--log sets the PNG's y-axis: add --png FILE/);
    expect((await cli(['--db', db, 'compare', '1', '--x-range', '5:3'])).stderr).toMatch(/--x-range: '5:3' is not FROM:TO with FROM below TO/);
    expect((await cli(['--db', db, 'compare', '1', '--aggregate', 'mean'])).stderr).toMatch(/--aggregate.*mean-std, mean-ci95, median-iqr, min-max/);
  }, 60_000);
});
