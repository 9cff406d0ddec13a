import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src-main/api/schemas';
import { rng } from '../../src-main/datasets/split';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';
import { toyCsv } from '../unit/helpers/toy';

/**
 * The fault suite: what users and machines do to the lab. Processes are SIGKILLed at
 * seeded random moments of an import, a run (training, evaluation, checkpoint writes) and
 * its trainer; two processes write one database; a disk fills up. After each: the
 * database passes integrity_check, holds exactly what was committed, run statuses are as
 * documented, and a resumed run has every epoch once, with the numbers of a run never
 * interrupted. docs/reliability.md reports the figures this prints.
 */
const bin = join(__dirname, '../../bin/attention-lab.mjs');
const root = mkdtempSync(join(tmpdir(), 'attention-lab-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = () => {
  const d = join(root, `case-${++dirs}`);
  mkdirSync(d);
  return d;
};
const random = rng(Number(process.env.FAULT_SEED ?? 20261126));
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tally: Record<string, { tried: number; ok: number }> = {};
const count = (what: string, ok: boolean) => {
  const t = (tally[what] ??= { tried: 0, ok: 0 });
  t.tried++;
  if (ok) t.ok++;
};
afterAll(() => {
  const rows = Object.entries(tally).map(([k, v]) => `| ${k} | ${v.tried} | ${v.ok} |`);
  process.stdout.write(`\nfault suite (seed ${process.env.FAULT_SEED ?? 20261126})\n| fault | tried | survived |\n|---|---|---|\n${rows.join('\n')}\n`);
});

function cliChild(args: string[]): { child: ChildProcess; stderr: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return { child, stderr: () => err, closed };
}
const integrity = (path: string) => {
  const db = store.openDb(path, { migrate: false, readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};
async function until(ok: () => boolean, ms = 60_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await sleep(10)) if (Date.now() - t0 > ms) throw new Error('timed out waiting');
}
/** Waits until no process still has `pid`. */
async function gone(pid: number | undefined): Promise<void> {
  if (!pid) return;
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(25);
  }
  throw new Error(`process ${pid} did not exit`);
}
const comparable = (points: MetricPoint[]) =>
  points.filter((p) => !['samples_per_s'].includes(p.metric)).map((p) => `${p.epoch}|${p.step}|${p.task}|${p.metric}|${p.value.toPrecision(6)}|${p.attention}`).sort();

const EPOCHS = 4;
/** A lab with the toy task set and, once, the numbers of an uninterrupted run of it. */
async function labWithToy(path: string): Promise<{ lab: Lab; taskSetId: number }> {
  const lab = new Lab(path);
  await lab.call('datasets/import', { filename: 'toy.csv', content: toyCsv(3000) });
  const set = await lab.call('taskSets/create', { name: 'toy', budget: 1e9, tasks: [{ name: 'toy', dataset: 'toy' }] });
  return { lab, taskSetId: set.id };
}
const references = new Map<number, string[]>();
async function uninterrupted(epochs = EPOCHS): Promise<string[]> {
  if (references.has(epochs)) return references.get(epochs)!;
  const { lab, taskSetId } = await labWithToy(join(fresh(), 'lab.db'));
  const [run] = await lab.call('runs/start', { taskSetId, epochs, seeds: [7] });
  const done = await lab.runs.wait(run.id);
  expect(done.status).toBe('completed');
  references.set(epochs, comparable(await lab.call('runs/metrics', { id: run.id })));
  lab.close();
  return references.get(epochs)!;
}

/** After a kill: statuses as documented, resume to the end, every epoch once, the uninterrupted numbers. */
async function resumeAndCheck(path: string, what: string): Promise<void> {
  expect(integrity(path)).toBe('ok');
  const lab = new Lab(path); // a run whose owner died is marked interrupted here
  try {
    const [run] = (await lab.call('runs/list', {})).rows;
    if (!run) return count(`${what}: killed before the run was stored`, true);
    expect(['interrupted', 'failed', 'completed']).toContain(run.status);
    if (run.status !== 'completed') {
      await lab.call('runs/resume', { id: run.id });
      const done = await lab.runs.wait(run.id);
      expect(done.status, done.error ?? '').toBe('completed');
    }
    const points = await lab.call('runs/metrics', { id: run.id });
    const perEpoch = new Map<number, number>();
    for (const p of points) if (p.task === '' && p.metric === 'val.accuracy') perEpoch.set(p.epoch, (perEpoch.get(p.epoch) ?? 0) + 1);
    expect([...perEpoch.entries()].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: EPOCHS + 1 }, (_, e) => [e, 1]));
    expect(comparable(points)).toEqual(await uninterrupted());
    count(what, true);
  } finally {
    lab.close();
  }
}

describe('killed processes', () => {
  it('SIGKILL of the CLI at random moments of a run (training, evaluation, checkpoint writes): resume gives the uninterrupted numbers', async () => {
    for (let k = 0; k < 4; k++) {
      const path = join(fresh(), 'lab.db');
      const { lab, taskSetId } = await labWithToy(path);
      lab.close();
      const c = cliChild(['--db', path, 'run', String(taskSetId), '--epochs', String(EPOCHS), '--seed', '7']);
      // from the first training step to the end (the toy trains and evaluates in ~0.2–1 s an epoch here)
      await until(() => /epoch 1\//.test(c.stderr()));
      await sleep(between(0, 2500));
      c.child.kill('SIGKILL');
      await c.closed;
      const db = store.openDb(path, { readonly: true });
      const pid = db.prepare("SELECT json_extract(environment, '$.trainerPid') FROM runs").pluck().get() as number | undefined;
      db.close();
      await gone(pid); // the orphaned trainer notices its parent is gone and stops
      await resumeAndCheck(path, 'CLI killed during a run');
    }
  }, 240_000);

  it('the CLI killed during an epoch\'s evaluation: the orphaned trainer writes nothing the database does not name, and resume has every epoch', async () => {
    // a small training split and large validation and test splits: each evaluation takes a second or more
    const path = join(fresh(), 'lab.db');
    const rows = toyCsv(60_500, 11).trim().split('\n');
    const csv = [`${rows[0]},split`, ...rows.slice(1).map((r, i) => `${r},${i < 500 ? 'train' : i % 2 ? 'validation' : 'test'}`)].join('\n');
    const lab = new Lab(path);
    await lab.call('datasets/import', { filename: 'slow-eval.csv', content: csv, split: 'split' });
    const { id: taskSetId } = await lab.call('taskSets/create', { name: 'slow eval', budget: 1e9, tasks: [{ name: 'slow', dataset: 'slow-eval' }] });
    const [whole] = await lab.call('runs/start', { taskSetId, epochs: 3, seeds: [7] });
    await lab.runs.wait(whole.id);
    const expected = comparable(await lab.call('runs/metrics', { id: whole.id }));
    await lab.call('runs/delete', { id: whole.id });
    lab.close();

    const c = cliChild(['--db', path, 'run', String(taskSetId), '--epochs', '3', '--seed', '7']);
    await until(() => /epoch 2\//.test(c.stderr())); // epoch 2's 16 steps take milliseconds: its evaluation follows at once
    await sleep(50); // inside the evaluation: 60,000 texts take a few hundred ms even in the bag step's WebAssembly
    c.child.kill('SIGKILL');
    await c.closed;
    const db = store.openDb(path, { readonly: true });
    const pid = db.prepare("SELECT json_extract(environment, '$.trainerPid') FROM runs").pluck().get() as number;
    db.close();
    await gone(pid);
    const again = new Lab(path);
    try {
      const [run] = (await again.call('runs/list', {})).rows;
      expect(run.status).toBe('interrupted');
      const named = new Set([store.getCheckpoint(again.db, run.id, 'latest')?.path, store.getCheckpoint(again.db, run.id, 'best')?.path]);
      for (const f of readdirSync(again.runs.checkpointDir(run.id))) expect(named.has(join(again.runs.checkpointDir(run.id), f)), f).toBe(true);
      await again.call('runs/resume', { id: run.id });
      expect((await again.runs.wait(run.id)).status).toBe('completed');
      expect(comparable(await again.call('runs/metrics', { id: run.id }))).toEqual(expected);
      count('CLI killed during an evaluation', true);
    } finally {
      again.close();
    }
  }, 180_000);

  it('SIGKILL of the trainer at random moments: the run is failed with its metrics, and resumes to the uninterrupted numbers', async () => {
    for (let k = 0; k < 3; k++) {
      const path = join(fresh(), 'lab.db');
      const { lab, taskSetId } = await labWithToy(path);
      const [run] = await lab.call('runs/start', { taskSetId, epochs: EPOCHS, seeds: [7] });
      let pid: number | undefined;
      while (!(pid = store.getRun(lab.db, run.id).environment.trainerPid as number | undefined)) await sleep(20);
      await sleep(between(300, 4000));
      try { process.kill(pid, 'SIGKILL'); } catch { /* finished first */ }
      const done = await lab.runs.wait(run.id);
      expect(['failed', 'completed']).toContain(done.status);
      if (done.status === 'failed') expect(done.error).toMatch(/killed \(SIGKILL\)/);
      lab.close();
      await resumeAndCheck(path, 'trainer killed');
    }
  }, 240_000);

  it('SIGKILL of an import at random moments: the data set is whole or absent, and importing again works', async () => {
    const csv = join(fresh(), 'big.csv');
    writeFileSync(csv, toyCsv(300_000, 3));
    for (let k = 0; k < 5; k++) {
      const path = join(fresh(), 'lab.db');
      const c = cliChild(['--db', path, 'datasets', 'import', csv, '--name', 'big']);
      // from its first progress report (the database open, the file being read) to the end of its writing
      await until(() => /rows read/.test(c.stderr()));
      await sleep(between(0, 3000));
      c.child.kill('SIGKILL');
      await c.closed;
      expect(integrity(path)).toBe('ok');
      const lab = new Lab(path);
      try {
        const stored = await lab.call('datasets/list', {});
        expect(stored.length).toBeLessThanOrEqual(1);
        if (stored.length) expect(lab.db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(300_000);
        else expect(lab.db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(0);
        await lab.call('datasets/import', { path: csv, name: 'again' });
        count('import killed', true);
      } finally {
        lab.close();
      }
    }
  }, 240_000);
});

describe('two writers on one database', () => {
  it('a CLI import of 300,000 rows while a run trains: both complete, nothing lost', async () => {
    const dir = fresh();
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, toyCsv(300_000, 5));
    const path = join(dir, 'lab.db');
    const { lab, taskSetId } = await labWithToy(path);
    try {
      const [run] = await lab.call('runs/start', { taskSetId, epochs: EPOCHS, seeds: [7] });
      while (store.getRun(lab.db, run.id).status !== 'running') await sleep(20);
      const c = cliChild(['--db', path, 'datasets', 'import', csv, '--name', 'big']);
      const [code, done] = await Promise.all([c.closed, lab.runs.wait(run.id)]);
      expect(code, c.stderr()).toBe(0);
      expect(done.status, done.error ?? '').toBe('completed');
      expect(comparable(await lab.call('runs/metrics', { id: run.id }))).toEqual(await uninterrupted());
      expect(lab.db.prepare("SELECT count(*) FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE d.name = 'big'").pluck().get()).toBe(300_000);
      count('CLI import while a run trains', true);
    } finally {
      lab.close();
    }
  }, 120_000);

  it('two CLI imports at once: both stored whole', async () => {
    const dir = fresh();
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, toyCsv(200_000, 6));
    const path = join(dir, 'lab.db');
    new Lab(path).close();
    const a = cliChild(['--db', path, 'datasets', 'import', csv, '--name', 'a']);
    const b = cliChild(['--db', path, 'datasets', 'import', csv, '--name', 'b']);
    expect(await a.closed, a.stderr()).toBe(0);
    expect(await b.closed, b.stderr()).toBe(0);
    const lab = new Lab(path);
    try {
      expect(lab.db.prepare('SELECT d.name, count(*) FROM examples e JOIN datasets d ON d.id = e.dataset_id GROUP BY d.name').raw().all()).toEqual([['a', 200_000], ['b', 200_000]]);
      count('two imports at once', true);
    } finally {
      lab.close();
    }
  }, 120_000);
});

/** A small tmpfs where this machine lets the test mount one (root on Linux); else the case is skipped with a note. */
function smallDisk(sizeKiB: number): { dir: string; release: () => void } | null {
  if (process.platform !== 'linux') return null;
  const dir = fresh();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  return { dir, release: () => void spawnSync('umount', ['-l', dir]) };
}

describe('a full disk', () => {
  it('a run on a disk that fills up ends failed with "no space left", the database intact, and resumes once there is room', async (ctx) => {
    const mounted = smallDisk(24 * 1024);
    if (!mounted) return ctx.skip(); // the /dev/full case in test/unit/reliability.test.ts still runs
    const disk = mounted.dir, path = join(disk, 'lab.db');
    const { lab, taskSetId } = await labWithToy(path);
    try {
      // many epochs: the run must still be training once the disk is full, on a loaded machine too
      const [run] = await lab.call('runs/start', { taskSetId, epochs: 50 * EPOCHS, seeds: [7] });
      while (!store.getCheckpoint(lab.db, run.id, 'latest')) await sleep(20);
      // fill every free block, and keep filling what the trainer's pruning of superseded
      // checkpoints frees: any slack (64 KiB once) let a run on a loaded machine finish
      const filler = join(disk, 'filler'), zeros = Buffer.alloc(4096);
      const fill = () => { try { for (;;) appendFileSync(filler, zeros); } catch { /* ENOSPC: full */ } };
      fill();
      const refill = setInterval(fill, 5);
      const done = await lab.runs.wait(run.id).finally(() => clearInterval(refill));
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(/disk is full|no space left/i); // the checkpoint or the database met it first
      expect(integrity(path)).toBe('ok');
      rmSync(filler);
      await lab.call('runs/resume', { id: run.id });
      expect((await lab.runs.wait(run.id)).status).toBe('completed');
      expect(comparable(await lab.call('runs/metrics', { id: run.id }))).toEqual(await uninterrupted(50 * EPOCHS));
      count('disk full during a run', true);
    } finally {
      lab.close();
      mounted.release();
    }
  }, 120_000);

  it('a database on a read-only file system is refused at open, before an import is read', async (ctx) => {
    const mounted = smallDisk(8 * 1024);
    if (!mounted) return ctx.skip();
    try {
      const path = join(mounted.dir, 'lab.db');
      new Lab(path).close();
      const csv = join(fresh(), 'big.csv');
      writeFileSync(csv, toyCsv(300_000, 4));
      expect(spawnSync('mount', ['-o', 'remount,ro', mounted.dir]).status).toBe(0);
      const t0 = Date.now();
      const c = cliChild(['--db', path, 'datasets', 'import', csv]);
      expect(await c.closed).toBe(1);
      expect(c.stderr()).toMatch(/is on a read-only file system/);
      expect(c.stderr()).not.toMatch(/rows read/); // refused before reading the file
      expect(Date.now() - t0).toBeLessThan(15_000);
      count('database on a read-only file system', true);
    } finally {
      mounted.release();
    }
  }, 60_000);

  it('an import onto a full disk is refused in words and stores nothing; the database stays usable', async (ctx) => {
    const mounted = smallDisk(6 * 1024);
    if (!mounted) return ctx.skip();
    const path = join(mounted.dir, 'lab.db');
    const lab = new Lab(path);
    try {
      const before = await lab.call('datasets/import', { filename: 'small.csv', content: toyCsv(200) });
      const err = await lab.call('datasets/import', { filename: 'big.csv', content: toyCsv(150_000, 9) }).catch((e: Error) => e.message);
      expect(err).toMatch(/full|no space/i);
      expect(integrity(path)).toBe('ok');
      expect((await lab.call('datasets/list', {})).map((d) => d.name)).toEqual([before.name]);
      count('import onto a full disk', true);
    } finally {
      lab.close();
      mounted.release();
    }
  }, 60_000);
});
