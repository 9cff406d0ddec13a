import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src-main/api/schemas';
import { Lab } from '../../src-main/lab';
import { serve } from '../../src-main/server';
import * as store from '../../src-main/store';
import { cli } from './helpers/cli';
import { nextEvent } from './helpers/events';
import { toyCsv } from './helpers/toy';

/** Regression tests for what users and machines did to the lab (issue: reliability under real use). */
const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.close();
});
const fresh = () => mkdtempSync(join(tmpdir(), 'attention-lab-rel-'));
function openLab(path: string): Lab {
  const lab = new Lab(path);
  labs.push(lab);
  return lab;
}
async function toySet(lab: Lab, rows = 400): Promise<number> {
  await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(rows) });
  return (await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] })).id;
}
const epochsLogged = (lab: Lab, id: number) => [...new Set(store.readMetrics(lab.db, id).map((p) => p.epoch))].sort((a, b) => a - b);

describe('checkpoints belong to one database', () => {
  it('two databases in one folder keep apart the files of their run 1; deleting one leaves the other', async () => {
    const dir = fresh();
    const a = openLab(join(dir, 'a.db')), b = openLab(join(dir, 'b.db'));
    const [ra] = await a.call('runs/start', { taskSetId: await toySet(a), epochs: 1 });
    const [rb] = await b.call('runs/start', { taskSetId: await toySet(b), epochs: 1 });
    expect(ra.id).toBe(rb.id);
    await Promise.all([a.runs.wait(ra.id), b.runs.wait(rb.id)]);
    const pa = store.getCheckpoint(a.db, ra.id, 'latest')!.path, pb = store.getCheckpoint(b.db, rb.id, 'latest')!.path;
    expect(pa).not.toBe(pb);
    await a.call('runs/delete', { id: ra.id });
    expect(existsSync(pa)).toBe(false);
    expect(existsSync(pb)).toBe(true);
    expect((await b.call('runs/resume', { id: rb.id }).catch((e: Error) => e.message)) as string).toMatch(/only an interrupted, failed or cancelled run/);
  }, 60_000);

  it('checkpoints of the old shared layout are copied into the database’s own folder when it opens', async () => {
    const dir = fresh();
    const path = join(dir, 'lab.db');
    let lab = openLab(path);
    const [run] = await lab.call('runs/start', { taskSetId: await toySet(lab), epochs: 1 });
    await lab.runs.wait(run.id);
    // rewrite the row as an older lab stored it: checkpoints/run-N/latest.ckpt beside the database
    const old = join(dir, 'checkpoints', `run-${run.id}`);
    mkdirSync(old, { recursive: true });
    const now = store.getCheckpoint(lab.db, run.id, 'latest')!;
    copyFileSync(now.path, join(old, 'latest.ckpt'));
    lab.db.prepare("UPDATE checkpoints SET path = ? WHERE run_id = ? AND kind = 'latest'").run(join(old, 'latest.ckpt'), run.id);
    lab.db.prepare("DELETE FROM checkpoints WHERE run_id = ? AND kind = 'best'").run(run.id);
    store.pruneCheckpointFiles(lab.db, run.id); // the new-layout file is named by no row now: gone
    lab.close();
    labs.pop();

    lab = openLab(path);
    const moved = store.getCheckpoint(lab.db, run.id, 'latest')!;
    expect(moved.path).toBe(join(`${path}-checkpoints`, `run-${run.id}`, 'epoch-1.ckpt'));
    expect(existsSync(moved.path)).toBe(true);
    expect(existsSync(join(old, 'latest.ckpt'))).toBe(true); // another database may name it
  }, 60_000);
});

describe('a second writer', () => {
  /** A process that holds the database's write lock for `holdMs` at a time, `times` times. */
  function holdLock(dbPath: string, holdMs: number, times: number) {
    const script = join(fresh(), 'hold.cjs');
    writeFileSync(script, `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
      const db = new Database(process.argv[2]);
      db.pragma('busy_timeout = 60000');
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (let i = 0; i < ${times}; i++) {
        db.exec('BEGIN IMMEDIATE');
        if (i === 0) process.stdout.write('locked\\n');
        sleep(${holdMs});
        db.exec('COMMIT');
        sleep(30);
      }
    `);
    const child = spawn(process.execPath, [script, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const locked = new Promise<void>((r) => child.stdout.once('data', () => r()));
    const done = new Promise<void>((r) => child.on('close', () => r()));
    return { locked, done };
  }

  it('a read-then-write transaction takes the write lock first: another process cannot commit between its read and its write', () => {
    const path = join(fresh(), 'lab.db');
    const db = store.openDb(path);
    const script = join(fresh(), 'write.cjs');
    writeFileSync(script, `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
      const db = new Database(process.argv[2]);
      db.pragma('busy_timeout = 300');
      try { db.prepare("INSERT INTO datasets (name, source, labels, meta, created_at) VALUES ('other', 'x', '[]', '{}', 'now')").run(); console.log('wrote'); }
      catch (e) { console.log(e.code); }
    `);
    let other = '';
    store.writeTx(db, () => {
      db.prepare('SELECT count(*) FROM datasets').get();
      other = spawnSync(process.execPath, [script, path], { encoding: 'utf8' }).stdout.trim();
      db.prepare("INSERT INTO datasets (name, source, labels, meta, created_at) VALUES ('mine', 'x', '[]', '{}', 'now')").run();
    });
    expect(other).toBe('SQLITE_BUSY'); // it waited for us, and gave up after its own timeout
    expect(db.prepare('SELECT name FROM datasets').pluck().all()).toEqual(['mine']);
    db.close();
  });

  it('a run whose epoch ends while another process holds the write lock longer than the busy timeout still completes, every epoch stored', async () => {
    const dir = fresh();
    const lab = openLab(join(dir, 'lab.db'));
    const taskSetId = await toySet(lab, 2000);
    const [run] = await lab.call('runs/start', { taskSetId, epochs: 3 });
    await nextEvent(lab, (e) => e.runId === run.id && e.phase === 'epoch 1 done');
    const hold = holdLock(join(dir, 'lab.db'), 7_000, 1); // 7 s > the 5 s busy timeout: epoch 2 ends meanwhile
    await hold.locked;
    const done = await lab.runs.wait(run.id);
    await hold.done;
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(epochsLogged(lab, run.id)).toEqual([0, 1, 2, 3]);
  }, 90_000);

  it('an API call that meets the lock past the busy timeout says why in words and changes nothing', async () => {
    const dir = fresh();
    const lab = openLab(join(dir, 'lab.db'));
    const taskSetId = await toySet(lab);
    const hold = holdLock(join(dir, 'lab.db'), 6_000, 1);
    await hold.locked;
    await expect(lab.call('taskSets/delete', { id: taskSetId })).rejects.toThrow(/database is busy: another program/);
    await hold.done;
    expect((await lab.call('taskSets/get', { id: taskSetId })).name).toBe('toy');
  }, 30_000);
});

describe('a full disk', () => {
  it('a checkpoint write that meets ENOSPC fails the run with that reason and leaves no temporary file', async () => {
    const dir = fresh();
    const lab = openLab(join(dir, 'lab.db'));
    const [run] = await lab.call('runs/start', { taskSetId: await toySet(lab, 3000), epochs: 3 });
    // once epoch 1 is stored, epoch 2's checkpoint is written into /dev/full: ENOSPC, as on a full disk
    await nextEvent(lab, (e) => e.runId === run.id && e.phase === 'epoch 1 done');
    symlinkSync('/dev/full', join(lab.runs.checkpointDir(run.id), 'epoch-2.ckpt.tmp'));
    const done: Run = await lab.runs.wait(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/ENOSPC|no space left/i);
    expect(readdirSync(lab.runs.checkpointDir(run.id)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(epochsLogged(lab, run.id)).toEqual([0, 1]); // what was stored stays
    // and it resumes, once there is room, to the end
    await lab.call('runs/resume', { id: run.id });
    expect((await lab.runs.wait(run.id)).status).toBe('completed');
    expect(epochsLogged(lab, run.id)).toEqual([0, 1, 2, 3]);
  }, 90_000);
});

describe('hostile and odd input', () => {
  it('serve mode reads no path on the server, only uploads', async () => {
    const lab = openLab(join(fresh(), 'lab.db'));
    await expect(lab.call('datasets/import', { path: '/etc/passwd' }, { remote: true })).rejects.toThrow(/only files you upload/);
    const served = await serve({ lab, rendererDir: fresh() });
    try {
      const r = await fetch(`http://127.0.0.1:${served.port}/api/datasets/import`, {
        method: 'POST', headers: { authorization: `bearer ${served.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: '/etc/passwd' }),
      });
      expect(r.status).toBe(400);
      const body = await r.text();
      expect(body).toMatch(/only files you upload/);
      expect(body).not.toMatch(/root:/);
    } finally {
      await served.close();
    }
  });

  it('serve mode: the scheme Bearer in any case, 400 for a malformed %-escape, 421 for a foreign Host, a refused non-UTF-8 body', async () => {
    const lab = openLab(join(fresh(), 'lab.db'));
    const served = await serve({ lab, rendererDir: fresh() });
    const base = `http://127.0.0.1:${served.port}`;
    try {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const r = await fetch(`${base}/api/db/info`, { method: 'POST', headers: { authorization: `${scheme} ${served.token}` } });
        expect(r.status).toBe(200);
      }
      expect((await fetch(`${base}/api/db/info`, { method: 'POST', headers: { authorization: `Bearer ${served.token}x` } })).status).toBe(401);
      expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400);
      // Host is a forbidden header for fetch: send the request by hand, as a rebinding page's browser would
      const { request } = await import('node:http');
      const status = (host: string) =>
        new Promise<number>((resolve, reject) =>
          request({ host: '127.0.0.1', port: served.port, path: '/api/db/info', method: 'POST', headers: { host, authorization: `Bearer ${served.token}` } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject).end(),
        );
      expect(await status(`evil.example:${served.port}`)).toBe(421);
      expect(await status(`localhost:${served.port}`)).toBe(200);
      const bad = Buffer.concat([Buffer.from('{"filename":"x.csv","content":"text,label\\nab'), Buffer.from([0xff, 0xfe]), Buffer.from(',a\\n"}')]);
      const r = await fetch(`${base}/api/datasets/import`, { method: 'POST', headers: { authorization: `Bearer ${served.token}` }, body: bad });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/not valid UTF-8/);
      expect(await lab.call('datasets/list', {})).toEqual([]);
    } finally {
      await served.close();
    }
  });

  it('a 10 MB word imports; a 10 MB header is quoted in a short excerpt', async () => {
    const lab = openLab(join(fresh(), 'lab.db'));
    const rows = Array.from({ length: 200 }, (_, i) => `hello world this is a longer sentence number ${i},${i % 2}`);
    const content = `text,label\n${rows.join('\n')}\n"ab ab ${'a'.repeat(10_000_000)}",1\n`;
    const d = await lab.call('datasets/import', { filename: 'long.csv', content });
    expect(d.counts.train + d.counts.validation + d.counts.test).toBe(201);
    const err = (await lab.call('datasets/import', { filename: 'one.csv', content: 'b'.repeat(10_000_000) }).then(() => '', (e: Error) => e.message));
    expect(err).toMatch(/10,000,000 characters/);
    expect(String(err).length).toBeLessThan(400);
  }, 60_000);

  it('a data set too small to give validation and test a row is refused with the minimum it needs', async () => {
    const lab = openLab(join(fresh(), 'lab.db'));
    const err = await lab.call('datasets/import', { filename: 'tiny.csv', content: 'text,label\nred apple,a\ngrey stone,b\nsweet pear,a\nhard slate,b\n' }).then(() => '', (e: Error) => e.message);
    expect(err).toMatch(/too few rows.*validation and the test split.*at least 8 rows/);
    expect(await lab.call('datasets/list', {})).toEqual([]);
  });

  it('the CLI names what is wrong with a database file, with no stack trace, and leaves it untouched', async () => {
    const dir = fresh();
    const notDb = join(dir, 'notes.db');
    writeFileSync(notDb, 'these are my notes, not a database'.repeat(10));
    const truncated = join(dir, 'cut.db');
    const lab = openLab(join(dir, 'good.db'));
    await toySet(lab);
    lab.close();
    labs.pop();
    copyFileSync(join(dir, 'good.db'), truncated);
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 6000));
    mkdirSync(join(dir, 'folder.db'));
    for (const [path, words] of [[notDb, /is not an Attention Lab database/], [truncated, /is damaged/], [join(dir, 'folder.db'), /is a folder/]] as const) {
      const r = await cli(['--db', path, 'task-set', 'list']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(words);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(notDb, 'utf8')).toMatch(/^these are my notes/);
  }, 60_000);

  it('the CLI says a busy port in one line', async () => {
    const lab = openLab(join(fresh(), 'lab.db'));
    const served = await serve({ lab, rendererDir: fresh() });
    try {
      const r = await cli(['--db', join(fresh(), 'x.db'), 'serve', '--port', String(served.port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${served.port} on 127.0.0.1 is already in use.*--port`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await served.close();
    }
  }, 30_000);

  it('a CLI whose progress reader goes away (2>&1 | head) leaves its run interrupted, not running', async () => {
    const dir = fresh();
    const db = join(dir, 'lab.db');
    const lab = openLab(db);
    const taskSetId = await toySet(lab, 3000);
    lab.close();
    labs.pop();
    // `run … 2>&1 | head -1`: the reader takes the first progress line and leaves; the CLI's next write meets EPIPE
    const child = spawn(process.execPath, [join(__dirname, '../../bin/attention-lab.mjs'), '--db', db, 'run', String(taskSetId), '--epochs', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((r) => child.stderr.once('data', () => r()));
    child.stderr.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(141);
    const again = openLab(db);
    const run = (await again.call('runs/list', {})).rows[0];
    expect(run.status).toBe('interrupted');
  }, 60_000);
});
