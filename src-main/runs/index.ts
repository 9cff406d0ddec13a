import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { LabError } from '../api/errors';
import { duration } from '../api/names';
import type { LabRunConfig, ProgressEvent, Run, Solve, TaskSet } from '../api/schemas';
import * as store from '../store';
import type { ProfileJob, TrainerJob, TrainerMessage, TrainerTask } from './protocol';
import { forkTrainer } from './spawn';

/**
 * The run queue: starts one trainer process per run (`parallel` at once), stores
 * what each reports (metric points and checkpoints of an epoch in one transaction), and
 * relays its progress. Cancel kills the trainer; a trainer that dies without finishing
 * leaves its run `failed` with everything stored so far; close() leaves live runs
 * `interrupted`, to be resumed from their latest checkpoint.
 */
/** A run the lab trains (not one a script logged), with its config. */
function labRun(run: Run): Extract<Run, { source: 'lab' }> {
  if (run.source !== 'lab') throw new LabError('conflict', `run ${run.id} was logged by a script through the tracking API: the lab cannot train it further`);
  return run;
}

interface Live {
  child: ChildProcess; why: (code: number | null, signal: NodeJS.Signals | null) => string;
  done: boolean; error: string | null; stopping: 'cancelled' | 'interrupted' | null;
  /** the trainer's messages and its exit, handled one after another (a store may wait for another writer) */
  chain: Promise<void>;
}

export class RunQueue {
  private readonly queue: number[] = [];
  private readonly live = new Map<number, Live>();
  private readonly waiters = new Map<number, ((r: Run) => void)[]>();
  private closed = false;

  constructor(
    private readonly db: store.Db,
    private readonly emit: (e: ProgressEvent) => void,
    private concurrency = 1,
  ) {
    if (store.onDisk(db)) {
      store.relocateSharedCheckpoints(db);
      store.keepReserve(db);
    }
  }

  /** Trainers at once. Raising it starts queued runs now; lowering it lets the live ones finish. */
  get parallel(): number {
    return this.concurrency;
  }
  set parallel(n: number) {
    this.concurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  /** The trainer process reads the database, so it must be a file. */
  requireDiskDb(): void {
    if (!store.onDisk(this.db)) throw new LabError('unsupported', 'training needs a database on disk (the trainer process reads it), not :memory:');
  }

  /** Where a run's checkpoint files live: in this database's own folder beside it, one folder per run. */
  checkpointDir(runId: number): string {
    this.requireDiskDb();
    return store.runCheckpointDir(this.db.name, runId);
  }

  enqueue(runId: number): void {
    this.requireDiskDb();
    this.queue.push(runId);
    this.report(runId, 'queued', 0, null, `queued (${this.queue.length} waiting)`);
    this.pump();
  }

  /** Resolves when the run stops (completed, failed, cancelled or interrupted). */
  wait(runId: number): Promise<Run> {
    const run = store.getRun(this.db, runId);
    if (!this.queue.includes(runId) && !this.live.has(runId)) return Promise.resolve(run);
    return new Promise((resolve) => this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]));
  }

  /** Any run queued or training here. */
  busy(): boolean {
    return this.queue.length > 0 || this.live.size > 0;
  }

  isActive(runId: number): boolean {
    return this.queue.includes(runId) || this.live.has(runId);
  }

  /**
   * Stops a queued or training run. The status is written first, so the trainer's exit
   * cannot be read as a crash; a run trained by another process is stopped through the
   * trainer pid it recorded.
   */
  async cancel(runId: number): Promise<Run> {
    const run = store.getRun(this.db, runId);
    if (run.status !== 'queued' && run.status !== 'running') throw new LabError('conflict', `run ${runId} is ${run.status}: there is nothing to cancel`);
    const q = this.queue.indexOf(runId);
    if (q >= 0) this.queue.splice(q, 1);
    store.setRunStatus(this.db, runId, 'cancelled', { error: 'cancelled by the user' });
    const l = this.live.get(runId);
    if (l) {
      l.stopping = 'cancelled';
      await this.kill(l);
    } else {
      const pid = run.environment.trainerPid;
      if (typeof pid === 'number') try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if (q >= 0) this.settle(runId);
    return store.getRun(this.db, runId);
  }

  /** Queues a stopped run again; its trainer continues from the latest checkpoint (epochs carry on). */
  resume(runId: number): Run {
    const run = labRun(store.getRun(this.db, runId));
    if (!['interrupted', 'failed', 'cancelled'].includes(run.status))
      throw new LabError('conflict', `run ${runId} is ${run.status}: only an interrupted, failed or cancelled run can resume`);
    const ckpt = store.getCheckpoint(this.db, runId, 'latest');
    // Points past the checkpoint cannot exist (both are stored in one transaction); without one, start over.
    store.deleteMetricsAfter(this.db, runId, ckpt ? ckpt.epoch : -1);
    store.setRunStatus(this.db, runId, 'queued');
    this.enqueue(runId);
    return store.getRun(this.db, runId);
  }

  /** Kills every trainer; queued and training runs become `interrupted` (resumable). Synchronous: the database closes next. */
  close(): void {
    this.closed = true;
    for (const id of this.queue.splice(0)) store.setRunStatus(this.db, id, 'interrupted', { error: 'the lab closed before this run started' });
    for (const [id, l] of this.live) {
      l.stopping = 'interrupted';
      store.setRunStatus(this.db, id, 'interrupted', { error: 'the lab closed while this run was training' });
      l.child.kill('SIGKILL');
    }
  }

  private kill(l: Live): Promise<void> {
    return new Promise((resolve) => {
      if (l.child.exitCode !== null || l.child.signalCode !== null) return resolve();
      l.child.once('close', () => resolve());
      l.child.kill('SIGKILL'); // nothing to flush: the trainer writes nothing but renamed-into-place checkpoints
    });
  }

  private pump(): void {
    while (!this.closed && this.live.size < this.concurrency && this.queue.length) this.start(this.queue.shift()!);
  }

  private start(runId: number): void {
    const run = labRun(store.getRun(this.db, runId));
    const { config } = run;
    const ckpt = store.getCheckpoint(this.db, runId, 'latest');
    const init = config.initFrom != null && !ckpt ? initCheckpoint(this.db, config.initFrom) : undefined;
    const job: TrainerJob = {
      kind: 'train', dbPath: this.db.name, runId, tasks: config.tasks, checkpointDir: this.checkpointDir(runId),
      config: { model: config.model, dim: config.dim, hidden: config.hidden, lr: config.lr, batchSize: config.batchSize, epochs: config.epochs, seed: run.seed, vocabSize: config.vocabSize, threads: config.threads ?? 1 },
      resume: ckpt?.path, initFrom: init,
    };
    store.pruneCheckpointFiles(this.db, runId); // files the database does not name (an orphan's epochs, a cut-short write) go
    const { child, why } = forkTrainer();
    const l: Live = { child, why, done: false, error: null, stopping: null, chain: Promise.resolve() };
    this.live.set(runId, l);
    store.setRunStatus(this.db, runId, 'running', { environment: { ...run.environment, ownerPid: process.pid, trainerPid: child.pid } });
    this.report(runId, ckpt ? `resuming after epoch ${ckpt.epoch}` : 'starting', 0, null, 'starting the trainer', ckpt ? { epoch: ckpt.epoch + 1, epochs: config.epochs } : {}); // the epoch it trains next, none of it done
    const then = (f: () => Promise<void>) => (l.chain = l.chain.then(f));
    child.on('message', (m: TrainerMessage) => then(() => this.onMessage(runId, l, m)));
    // 'close', not 'exit': it comes after the last IPC message is read, so no report is lost
    child.on('close', (code, signal) => then(() => this.onExit(runId, l, code, signal)));
    child.send(job);
  }

  private async onMessage(runId: number, l: Live, m: TrainerMessage): Promise<void> {
    if (l.stopping) return; // cancelled or closing: the run's record is final
    try {
      if (m.type === 'started') {
        await store.retryBusy(() => store.writeTx(this.db, () => {
          const run = store.getRun(this.db, runId);
          store.setRunStatus(this.db, runId, 'running', { backend: m.backend.name, environment: { ...run.environment, backend: m.backend } });
        }));
      } else if (m.type === 'progress') {
        const p = m.progress;
        const eta = p.etaS === null ? '' : `, ETA ${duration(p.etaS)}`;
        this.report(runId, `epoch ${p.epoch}/${p.epochs}`, p.stepInEpoch, p.stepsInEpoch, `${Math.round(p.samplesPerS).toLocaleString('en-US')} samples/s${eta}`, { epoch: p.epoch, epochs: p.epochs, etaS: p.etaS, samplesPerS: p.samplesPerS });
      } else if (m.type === 'epoch') {
        // another door may be importing: wait for its lock, and never lose an epoch to it
        await store.retryBusy(() => store.writeTx(this.db, () => {
          store.appendMetrics(this.db, runId, m.report.points);
          for (const c of m.report.checkpoints) store.saveCheckpoint(this.db, { runId, epoch: m.report.epoch, ...c });
        }));
        store.pruneCheckpointFiles(this.db, runId, m.report.epoch + 1);
        const acc = m.report.points.find((p) => p.task === '' && p.metric === 'val.accuracy');
        this.report(runId, `epoch ${m.report.epoch} done`, 1, 1, acc ? `validation accuracy ${(acc.value * 100).toFixed(1)}%` : 'evaluated', { epoch: m.report.epoch, epochDone: true });
      } else if (m.type === 'done') {
        l.done = true;
        await store.retryBusy(() => store.writeTx(this.db, () => {
          const run = store.getRun(this.db, runId);
          store.setRunStatus(this.db, runId, 'running', { environment: { ...run.environment, memoryMiB: { afterLoading: Math.round(m.memory.loadedMiB), peak: Math.round(m.memory.peakMiB) } } });
        }));
      }
      else if (m.type === 'failed') l.error = m.error;
    } catch (e) {
      // A report that cannot be stored (the run was deleted, say) stops the trainer rather than training on unseen.
      l.error = `storing the trainer's report failed: ${/SQLITE_FULL/.test((e as { code?: string }).code ?? '') ? 'the disk is full' : (e as Error).message}`;
      void this.kill(l);
    }
  }

  private async onExit(runId: number, l: Live, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.closed) return void this.live.delete(runId); // close() wrote the status, and the database is gone
    // a write cut short (a full disk, a kill) leaves a temporary file: free its space before storing why
    if (!l.stopping) try { store.pruneCheckpointFiles(this.db, runId); } catch { /* the folder is unreadable: the status matters more */ }
    const error = l.error ?? l.why(code, signal);
    const seal = () => store.retryBusy(() => store.writeTx(this.db, () => {
      const status = store.getRun(this.db, runId).status;
      if (l.stopping || status === 'cancelled') return; // status written by cancel() or close()
      if (l.done && !l.error) store.setRunStatus(this.db, runId, 'completed');
      else store.setRunStatus(this.db, runId, 'failed', { error });
    }), l.stopping ? 0 : 30_000);
    try {
      // a disk so full that even the status cannot be written: give back the reserve kept for this, and write it
      await seal().catch((e) => (store.isFull(e) && store.releaseReserve(this.db) ? seal() : Promise.reject(e)));
      const run = store.getRun(this.db, runId);
      this.report(runId, run.status, 1, 1, run.error ?? run.status);
    } catch (e) {
      // Deleted meanwhile: nothing to mark. Anything else (the disk is full, say) is said, not swallowed.
      if (!(e instanceof LabError && e.code === 'not_found'))
        this.report(runId, 'failed', 1, 1, `${l.done && !l.error ? 'the run finished' : error}; its status could not be stored: ${(e as Error).message}`);
    }
    this.live.delete(runId);
    this.settle(runId);
    this.pump();
  }

  private settle(runId: number): void {
    let run: Run | undefined;
    try { run = store.getRun(this.db, runId); } catch { /* deleted */ }
    for (const w of this.waiters.get(runId) ?? []) w(run!);
    this.waiters.delete(runId);
  }

  private report(runId: number, phase: string, done: number, total: number | null, message: string, extra: Partial<ProgressEvent> = {}): void {
    this.emit({ job: `run-${runId}`, kind: 'run', runId, phase, done, total, message, ...extra });
  }

  /** Deletes a stopped run with its checkpoint files. */
  delete(runId: number): void {
    if (this.isActive(runId)) throw new LabError('conflict', `run ${runId} is ${store.getRun(this.db, runId).status}: cancel it first`);
    this.deleteMany([runId]);
  }

  /** Deletes stopped runs in one transaction, then their checkpoint files; runs still queued or training are skipped and returned. */
  deleteMany(runIds: readonly number[]): { deleted: number; skipped: number[] } {
    const skipped = runIds.filter((id) => this.isActive(id));
    const doomed = runIds.filter((id) => !this.isActive(id));
    const files = store.writeTx(this.db, () => doomed.flatMap((id) => {
      const f = this.db.name === ':memory:' ? [] : [store.getCheckpoint(this.db, id, 'latest')?.path, store.getCheckpoint(this.db, id, 'best')?.path, this.checkpointDir(id)];
      store.deleteRun(this.db, id);
      return f;
    }));
    store.releaseFreePages(this.db); // deleted runs give their space back
    // named by this database only (older runs' files may sit elsewhere)
    for (const f of files) if (f) rmSync(f, { recursive: true, force: true });
    return { deleted: doomed.length, skipped };
  }
}

/** The checkpoint another run's encoder starts from: its best, else its latest. */
function initCheckpoint(db: store.Db, runId: number): string {
  const c = store.getCheckpoint(db, runId, 'best') ?? store.getCheckpoint(db, runId, 'latest');
  if (!c) throw new LabError('invalid_input', `initFrom: run ${runId} has no checkpoint yet (it has not finished an epoch)`);
  if (!existsSync(c.path)) throw new LabError('not_found', `initFrom: run ${runId}'s checkpoint file ${c.path} is missing`);
  return c.path;
}

export interface RunRequest {
  model: LabRunConfig['model']; dim: number; hidden: number; lr: number; batchSize: number; epochs: number; vocabSize: number; threads: number;
  seeds: number[]; initFrom?: number; name?: string; tags: string[];
}

/** A task without data cannot train: said before anything is solved or stored. */
export function checkTrainable(set: TaskSet): void {
  const noData = set.tasks.filter((t) => t.datasetId === null).map((t) => t.name);
  if (noData.length) throw new LabError('invalid_input', `task set '${set.name}': ${noData.map((n) => `'${n}'`).join(', ')} ${noData.length > 1 ? 'have' : 'has'} no data set, so ${noData.length > 1 ? 'they' : 'it'} cannot be trained`);
}

/**
 * Checks a training request against the task set and its solve, then creates one queued
 * run per seed. Everything that can be wrong with the request fails here, before any
 * run exists: tasks without data, an empty allocation, an incompatible init-from run.
 */
export function createRuns(db: store.Db, set: TaskSet, solve: Solve, req: RunRequest): Run[] {
  checkTrainable(set);
  if (solve.status !== 'optimal' && solve.status !== 'feasible') throw new LabError('infeasible', `solve ${solve.id} is ${solve.status}${solve.explanation ? `: ${solve.explanation}` : ''}`);
  const pi = new Map(solve.tasks.map((name, i) => [name, solve.pi[i]]));
  const tasks: TrainerTask[] = set.tasks.map((t) => {
    const p = pi.get(t.name);
    if (p === undefined) throw new LabError('conflict', `solve ${solve.id} has no share for task '${t.name}': the task set changed since; solve again`);
    return { name: t.name, datasetId: t.datasetId!, pi: p, weight: t.weight };
  });
  if (tasks.every((t) => t.pi <= 0)) throw new LabError('invalid_input', `empty allocation: the ${solve.policy} solve gives every task π = 0, so a run would train nothing (raise the budget or the floors)`);
  if (req.initFrom !== undefined) {
    const from = store.getRun(db, req.initFrom);
    const c: Partial<LabRunConfig> = from.source === 'lab' ? from.config : {};
    if (c.model !== req.model || c.dim !== req.dim || c.hidden !== req.hidden)
      throw new LabError('invalid_input', `initFrom: run ${from.id} trained a ${c.model ?? '?'} encoder (dim ${c.dim ?? '?'}, hidden ${c.hidden ?? '?'}); this run asks for ${req.model} (dim ${req.dim}, hidden ${req.hidden})`);
    initCheckpoint(db, from.id);
  }
  const { seeds, name, tags, initFrom, ...train } = req;
  const config: LabRunConfig = { ...train, policy: solve.policy, solveId: solve.id, initFrom: initFrom ?? null, tasks };
  return store.writeTx(db, () =>
    seeds.map((seed) =>
      store.createRun(db, {
        taskSetId: set.id, solveId: solve.id, seed, tags, config,
        name: `${name || `${set.name} · ${solve.policy} · ${req.model}`}${seeds.length > 1 || !name ? ` · seed ${seed}` : ''}`,
        environment: { ownerPid: process.pid },
      }),
    ),
  );
}

/**
 * Measures t_i for every task of a set in a trainer process (the lab stays responsive),
 * and returns seconds per full pass per task, in the set's order.
 */
export function profileInProcess(
  db: store.Db, set: TaskSet, config: ProfileJob['config'],
  report: (phase: string, done: number, total: number | null, message: string) => void,
): Promise<{ secondsPerPass: number[]; backend: string }> {
  if (db.name === ':memory:' || db.name === '') throw new LabError('unsupported', 'profiling needs a database on disk (the trainer process reads it), not :memory:');
  checkTrainable(set);
  const { child, why } = forkTrainer();
  let backend = '', result: number[] | null = null, error: string | null = null;
  report('starting', 0, set.tasks.length, 'starting the trainer');
  child.on('message', (m: TrainerMessage) => {
    if (m.type === 'started') backend = m.backend.name;
    else if (m.type === 'profiling') report('timing', m.done, m.total, `timed ${m.done} of ${m.total} task(s) on ${backend}`);
    else if (m.type === 'profiled') result = m.secondsPerPass;
    else if (m.type === 'failed') error = m.error;
  });
  child.send({ kind: 'profile', dbPath: db.name, tasks: set.tasks.map((t) => ({ name: t.name, datasetId: t.datasetId! })), config } satisfies ProfileJob);
  return new Promise((resolve, reject) =>
    child.on('close', (code, signal) => {
      if (result) return resolve({ secondsPerPass: result, backend });
      reject(new LabError('internal', `profiling failed: ${error ?? why(code, signal)}`));
    }),
  );
}
