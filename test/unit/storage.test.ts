import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';
import { bytes, givenBack } from '../../src-renderer/src/lib/format';
import { addRun } from './helpers/runs';
import { tmpDir } from './helpers/tmp';

/** Storage at scale: a stopped run is kept packed (once), pages hold their blobs, deleting gives space back. */
describe('the store on disk', () => {
  const dir = tmpDir();

  it('keeps a stopped run only in its packed series, reads it back the same, and unpacks it to log again', () => {
    const db = store.openDb(':memory:');
    const r = store.createRun(db, {});
    const points = [0, 1, 2].flatMap((epoch) => ['a', 'b'].flatMap((task) => ['test.accuracy', 'val.loss'].map((metric) => ({ epoch, step: epoch * 5, task, metric, value: epoch / 10 + (task === 'b' ? 0.01 : 0), attention: epoch * 100, wallMs: epoch * 7 }))));
    store.appendMetrics(db, r.id, points);
    const live = store.readMetrics(db, r.id);
    store.setRunStatus(db, r.id, 'completed');
    expect(db.prepare('SELECT count(*) AS n FROM metric_points').get()).toEqual({ n: 0 });
    expect(store.readMetrics(db, r.id)).toEqual(live);
    store.setRunStatus(db, r.id, 'completed'); // sealing twice loses nothing
    expect(store.readMetrics(db, r.id)).toEqual(live);
    // a resume drops epochs after its checkpoint, then logs again
    store.deleteMetricsAfter(db, r.id, 1);
    expect(store.readMetrics(db, r.id)).toEqual(live.filter((p) => p.epoch <= 1));
    expect(db.prepare("SELECT value FROM run_finals WHERE run_id = ? AND metric = 'test.accuracy' AND task = ''").pluck().get(r.id)).toBeCloseTo(0.105, 10);
    store.appendMetrics(db, r.id, points.filter((p) => p.epoch === 2));
    expect(store.readMetrics(db, r.id)).toEqual(live);
  });

  it('new databases use 16 KiB pages and incremental vacuum: deleting runs gives the space back', async () => {
    const path = join(dir, 'lab.db');
    const lab = new Lab(path);
    expect(lab.db.pragma('page_size', { simple: true })).toBe(16_384);
    const ids = Array.from({ length: 300 }, (_, i) => addRun(lab.db, { policy: 'lp', seed: i, base: 0.5, epochs: 50, tasks: ['a', 'b', 'c', 'd', 'e'] }));
    lab.db.pragma('wal_checkpoint(TRUNCATE)');
    const points = 300 * 51 * 6;
    const full = statSync(path).size;
    // 40 bytes a point packed; the pages must not double it (one overflow page per blob did)
    expect(full / points).toBeLessThan(60);
    await lab.call('runs/deleteMany', { ids: ids.slice(0, 200) });
    lab.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(statSync(path).size).toBeLessThan(full / 2);
    lab.close();
  }, 60_000);

  it('compacts a database made before: the page size and incremental vacuum arrive, free pages leave', async () => {
    const path = join(dir, 'old.db');
    // an old-style database: 4 KiB pages, no auto-vacuum
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path);
    raw.pragma('page_size = 4096');
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    const db = store.openDb(path);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    const ids = Array.from({ length: 100 }, (_, i) => addRun(db, { policy: 'lp', seed: i, base: 0.5, epochs: 50 }));
    for (const id of ids.slice(0, 90)) store.deleteRun(db, id);
    const r = store.compactDb(db);
    expect(r.after).toBeLessThan(r.before / 2);
    expect(db.pragma('page_size', { simple: true })).toBe(16_384);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.readMetrics(db, ids[95]).length).toBe(51 * 3);
    db.close();
  }, 60_000);

  it('db/compact, the call the app’s Compact button makes: the bytes before and after, said in a sentence; refused while a run trains', async () => {
    const path = join(dir, 'app.db');
    const lab = new Lab(path);
    const ids = Array.from({ length: 120 }, (_, i) => addRun(lab.db, { policy: 'lp', seed: i, base: 0.5, epochs: 50 }));
    await lab.call('runs/deleteMany', { ids: ids.slice(0, 100) });
    lab.db.pragma('wal_checkpoint(TRUNCATE)');
    const size = statSync(path).size;
    const r = await lab.call('db/compact', {});
    expect(r).toEqual({ before: size, after: statSync(path).size }); // the file's sizes, in bytes
    expect(r.after).toBeLessThanOrEqual(r.before);
    expect(givenBack(r)).toBe(`Compacted: ${bytes(r.before)} → ${bytes(r.after)}; ${bytes(r.before - r.after)} given back to the disk`);
    expect(givenBack({ before: 3_100_000_000, after: 950_000_000 })).toBe('Compacted: 3.1 GB → 950 MB; 2.15 GB given back to the disk');
    expect(givenBack({ before: 40_960, after: 40_960 })).toBe('Compacted: 41 kB → 41 kB; nothing to give back');
    lab.runs.busy = () => true; // a run training
    await expect(lab.call('db/compact', {})).rejects.toThrow(/a run is training: compact the database when no run is queued or training/);
    lab.close();
  }, 60_000);
});
