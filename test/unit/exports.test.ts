import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect, exportStream, writeChunks, writeExportFile } from '../../src-main/exports';
import { Lab } from '../../src-main/lab';
import { addRun } from './helpers/runs';
import { tmpDir } from './helpers/tmp';

/**
 * The desktop door's export: what its IPC handler calls once the user has picked a file
 * (lab.exportStream, then writeExportFile), in process. Serve mode writes its response
 * with the same writer.
 */
describe('exports streamed to a file (the desktop app)', () => {
  const dir = tmpDir();
  const labWith = (n: number) => {
    const lab = new Lab(':memory:');
    const ids = Array.from({ length: n }, (_, i) => addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: i, base: 0.4, epochs: 2 }));
    return { lab, ids };
  };

  it('writes 600 runs (past the one-answer call’s 500) as CSV and JSON, the same text the browser gets', async () => {
    const { lab, ids } = labWith(600);
    const csv = join(dir, 'runs.csv');
    const r = await writeExportFile(lab.exportStream({ ids, format: 'csv' }).chunks, csv);
    const text = readFileSync(csv, 'utf8');
    expect(r).toEqual({ path: csv, bytes: Buffer.byteLength(text) });
    expect(text).toBe(await collect(exportStream(lab.db, ids, 'csv', 'long')));
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('run_id,epoch,step,task,metric,value,attention,wall_ms');
    expect(lines).toHaveLength(1 + 600 * 3 * 3); // 3 epochs × (2 tasks + the mean)
    expect(new Set(lines.slice(1).map((l) => Number(l.split(',')[0])))).toEqual(new Set(ids));
    const json = join(dir, 'runs.json');
    await writeExportFile(lab.exportStream({ ids, format: 'json' }).chunks, json);
    expect((JSON.parse(readFileSync(json, 'utf8')) as { run: { id: number } }[]).map((x) => x.run.id)).toEqual(ids);
    const wide = join(dir, 'wide.csv');
    await writeExportFile(lab.exportStream({ ids, format: 'csv', shape: 'wide' }).chunks, wide);
    expect(readFileSync(wide, 'utf8').trim().split('\n')).toHaveLength(601);
    lab.close();
  }, 60_000);

  it('reads the store no faster than the file takes it: a chunk or two ahead at most, however many runs', async () => {
    const { lab, ids } = labWith(60);
    let read = 0, written = 0, ahead = 0;
    async function* counted() {
      for await (const c of lab.exportStream({ ids, format: 'csv' }).chunks) {
        read++;
        ahead = Math.max(ahead, read - written);
        yield c;
      }
    }
    // a slow disk: one chunk at a time, a few milliseconds each
    const slow = new Writable({ highWaterMark: 1, write: (_c, _e, done) => void setTimeout(() => { written++; done(); }, 3) });
    await writeChunks(counted(), slow);
    expect(read).toBe(61); // the header and 60 runs
    expect(ahead).toBeLessThanOrEqual(2);
    lab.close();
  });

  it('a failed export leaves no half file and does not replace the one already there', async () => {
    const { lab, ids } = labWith(3);
    const path = join(dir, 'keep.csv');
    writeFileSync(path, 'yesterday’s export\n');
    async function* failing() {
      let n = 0;
      for await (const c of lab.exportStream({ ids, format: 'csv' }).chunks) {
        if (++n === 3) throw new Error('the database went away');
        yield c;
      }
    }
    await expect(writeExportFile(failing(), path)).rejects.toThrow(/the database went away/);
    expect(readFileSync(path, 'utf8')).toBe('yesterday’s export\n');
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(() => lab.exportStream({ ids: [...ids, 999], format: 'csv' })).toThrow(/run 999 does not exist/); // refused before the dialog
    lab.close();
  });
});
