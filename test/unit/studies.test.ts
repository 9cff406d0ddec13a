import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';

/** Studies as stored records: refused input, a study a stopped lab left running, and what only a completed study has. */
describe('stored studies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-studies-'));
  const path = join(dir, 'lab.db');
  const labs: Lab[] = [];
  afterAll(() => labs.forEach((l) => l.close()));

  it('refuses a study it cannot run, in the words of the field, and stores nothing', async () => {
    const lab = new Lab(path);
    labs.push(lab);
    const set = await lab.call('taskSets/create', { name: 'set', budget: 10, tasks: [{ name: 'a', attentionCost: 10 }] });
    await expect(lab.call('studies/start', { taskSetId: set.id, policies: [], seeds: [1] })).rejects.toThrow(/policies: pick at least one policy/);
    await expect(lab.call('studies/start', { taskSetId: set.id, policies: ['lp', 'lp'], seeds: [1] })).rejects.toThrow(/policies: each policy once/);
    await expect(lab.call('studies/start', { taskSetId: set.id, policies: ['lp'], seeds: [1], pilotEpochs: 2 })).rejects.toThrow(/at least 3 epochs/);
    await expect(lab.call('studies/start', { taskSetId: 99, policies: ['lp'], seeds: [1] })).rejects.toThrow(/task set 99 does not exist/);
    expect(await lab.call('studies/list', {})).toEqual([]);
  });

  it('marks a study whose driving process is gone interrupted at the next start, and leaves one a live process drives', async () => {
    const db = store.openDb(path);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const orphan = store.createStudy(db, { taskSetId: 1, name: 'orphan', options: { policies: ['lp'] } });
    const live = store.createStudy(db, { taskSetId: 1, name: 'live', options: { policies: ['lp'] } });
    db.prepare('UPDATE studies SET owner_pid = ? WHERE id = ?').run(Number(gone), orphan.id);
    db.prepare('UPDATE studies SET owner_pid = ? WHERE id = ?').run(process.ppid, live.id); // the test runner: alive
    db.close();
    const lab = new Lab(path);
    labs.push(lab);
    expect(await lab.call('studies/get', { id: orphan.id })).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/lab stopped/), phase: '' });
    expect((await lab.call('studies/get', { id: live.id })).status).toBe('running');
    // only a completed study has a report to export; a running one is neither deleted nor cancelled from here
    await expect(lab.call('studies/export', { id: orphan.id })).rejects.toThrow(/study \d+ is interrupted: only a completed study has a report/);
    await expect(lab.call('studies/delete', { id: live.id })).rejects.toThrow(/is running: cancel it first/);
    await expect(lab.call('studies/cancel', { id: live.id })).rejects.toThrow(/run by another program/);
    await lab.call('studies/delete', { id: orphan.id });
    expect((await lab.call('studies/list', {})).map((s) => s.name)).toEqual(['live']);
  });
});
