import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';
import { cli } from './helpers/cli';
import { addRun } from './helpers/runs';
import { seedLike, tmpDir } from './helpers/tmp';

/** The runs list in SQL: every matching run ranked, the query syntax, slim rows, bulk actions. */
describe('the runs list', () => {
  it('ranks every matching run by its final metric, not the oldest 500', async () => {
    const lab = new Lab(':memory:');
    // 700 runs; the best ones are the newest, past where the old client-side sort stopped reading
    const ids = Array.from({ length: 700 }, (_, i) => addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: i, base: 0.3 + i / 2000, epochs: 1, slope: 0.1 }));
    const top = await lab.call('runs/list', { sort: 'final', metric: 'test.accuracy', limit: 5 });
    expect(top.total).toBe(700);
    expect(top.rows.map((r) => r.id)).toEqual(ids.slice(-5).reverse());
    expect(top.rows[0].final).toBeCloseTo(0.3 + 699 / 2000 + 0.1 + 0.005, 10); // mean over the two tasks at the last epoch
    const worst = await lab.call('runs/list', { sort: 'final', desc: false, limit: 1 });
    expect(worst.rows[0].id).toBe(ids[0]);
    // a run with no such metric sorts last either way
    const bare = store.createRun(lab.db, { name: 'no metrics' }).id;
    expect((await lab.call('runs/list', { sort: 'final', limit: 1000 })).rows.at(-1)!.id).toBe(bare);
    expect((await lab.call('runs/list', { sort: 'final', desc: false, limit: 1000 })).rows.at(-1)!.id).toBe(bare);
    lab.close();
  }, 30_000);

  it('filters with the query syntax: config fields, seed, a final metric, tags, ranges and words', async () => {
    const lab = new Lab(':memory:');
    const set = await lab.call('taskSets/create', seedLike({ name: 'mix' }));
    const a = addRun(lab.db, { policy: 'lp', seed: 1, base: 0.85, taskSetId: set.id, name: 'alpha' });
    const b = addRun(lab.db, { policy: 'lp', seed: 2, base: 0.5, name: 'beta', config: { lr: 0.01 } });
    const c = addRun(lab.db, { policy: 'uniform', seed: 1, base: 0.9, name: 'gamma' });
    await lab.call('runs/update', { id: b, notes: 'tried a larger learning rate', tags: ['sweep'] });
    const q = async (query: string) => (await lab.call('runs/list', { q: query, desc: false })).rows.map((r) => r.id);
    expect(await q('policy:lp')).toEqual([a, b]);
    expect(await q('policy:lp seed:1')).toEqual([a]);
    expect(await q('test.accuracy>0.9')).toEqual([a, c]); // finals 0.85+0.15+0.005 and 0.9+0.15+0.005
    expect(await q('policy:lp test.accuracy>0.9')).toEqual([a]);
    expect(await q('test.accuracy<=0.7')).toEqual([b]);
    expect(await q('lr>0.0075')).toEqual([b]);
    expect(await q('tag:sweep')).toEqual([b]);
    expect(await q('"learning rate"')).toEqual([b]);
    expect(await q('GAMMA')).toEqual([c]);
    expect(await q(`id:${b}..${c}`)).toEqual([b, c]);
    expect(await q('set:mix')).toEqual([a]);
    expect(await q('status:completed policy!=lp')).toEqual([c]);
    await expect(q('seed:one')).rejects.toThrow(/query: in 'seed:one', 'one' is not a number/);
    await expect(q('policy:')).rejects.toThrow(/'policy:' needs a value/);
    await expect(lab.call('runs/list', { sort: 'colour' })).rejects.toThrow(/sort: 'colour' is not a column/);
    // slim rows with the columns asked for, sorted by a config field
    const { rows } = await lab.call('runs/list', { columns: ['lr', 'policy'], sort: 'config:lr', desc: true });
    expect(rows[0]).toMatchObject({ id: b, columns: { lr: 0.01, policy: 'lp' }, notes: 'tried a larger learning rate', tags: ['sweep'], taskSet: null });
    expect(rows[0]).not.toHaveProperty('environment');
    lab.close();
  });

  it('tags and deletes many runs at once, by ids or by query', async () => {
    const lab = new Lab(':memory:');
    const ids = Array.from({ length: 6 }, (_, i) => addRun(lab.db, { policy: i < 3 ? 'lp' : 'uniform', seed: i, base: 0.5 }));
    expect(await lab.call('runs/tag', { ids: ids.slice(0, 4), add: ['keep'] })).toEqual({ changed: 4 });
    expect(await lab.call('runs/tag', { ids: ids.slice(0, 4), add: ['keep'], remove: [] })).toEqual({ changed: 0 });
    expect((await lab.call('runs/list', { q: 'tag:keep' })).total).toBe(4);
    expect(await lab.call('runs/deleteMany', { q: 'policy:uniform' })).toEqual({ deleted: 3, skipped: [] });
    expect(await lab.call('runs/deleteMany', { ids: [ids[0]] })).toEqual({ deleted: 1, skipped: [] });
    expect((await lab.call('runs/list', { desc: false })).rows.map((r) => r.id)).toEqual(ids.slice(1, 3));
    await expect(lab.call('runs/deleteMany', { ids: [ids[1], 999] })).rejects.toThrow(/run 999 does not exist/);
    expect((await lab.call('runs/list', {})).total).toBe(2); // nothing deleted when one id is wrong
    lab.close();
  });

  it('saves named views in the database', async () => {
    const lab = new Lab(':memory:');
    await lab.call('views/save', { name: 'lp vs uniform', state: { selected: [1, 2], groupBy: 'policy' } });
    await lab.call('views/save', { name: 'lp vs uniform', state: { selected: [1, 2, 3], groupBy: 'policy' } });
    const views = await lab.call('views/list', {});
    expect(views.map((v) => [v.name, v.state])).toEqual([['lp vs uniform', { selected: [1, 2, 3], groupBy: 'policy' }]]);
    await expect(lab.call('views/save', { name: ' ', state: {} })).rejects.toThrow(/name the view/);
    lab.close();
  });
});

describe('runs on the command line', () => {
  const dir = tmpDir();
  it('lists with a query and a sort, tags and deletes many, compacts', async () => {
    const db = join(dir, 'lab.db');
    const lab = new Lab(db);
    for (let i = 0; i < 4; i++) addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: i, base: 0.5 + i / 10 });
    lab.close();
    const list = await cli(['--db', db, 'runs', 'list', '-q', 'policy:lp', '--sort', 'final', '--desc', '--columns', 'policy']);
    expect(list.stdout).toMatch(/^id\s+name\s+status\s+seed\s+set\s+policy\s+test\.accuracy/);
    expect(list.stdout.trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['4', '2']);
    expect((await cli(['--db', db, 'runs', 'tag', '1', '2', '+best'])).stdout).toMatch(/2 runs changed/);
    expect((await cli(['--db', db, 'runs', 'delete', '-q', 'tag:best'])).stdout).toMatch(/2 runs deleted/);
    expect((await cli(['--db', db, 'db', 'compact'])).stdout).toMatch(/compacted: .* → /);
    expect((await cli(['--db', db, 'runs', 'list', '-q', 'seed:x'])).stderr).toMatch(/query: in 'seed:x', 'x' is not a number/);
  }, 30_000);
});
