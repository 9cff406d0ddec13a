import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import * as datasets from './datasets';
import { type CallInput, type CallName, type CallOutput, type Handlers, api, isCallName, localPathFields } from './api/contract';
import { LabError, fromZod } from './api/errors';
import { ExportStreamInput } from './api/runs';
import type { Allocation, PolicyName, ProgressEvent, Solve, SolveParamsParsed } from './api/schemas';
import { compareRuns } from './compare';
import { collect, exportMime, exportName, exportStream } from './exports';
import { RunQueue, checkTrainable, createRuns, profileInProcess } from './runs';
import { defaultParallel } from './runs/parallel';
import { POLICIES, problemFromTaskSet, solveAllocation, sweep, type Problem } from './solver';
import * as store from './store';
import { exportMlflow } from './tracking/export';
import { importMlflow } from './tracking/import';
import { curvesForSolve, fitFromRuns, manualFit } from './study/curves';
import { studyFiles } from './study/export';
import { Studies } from './study/runner';

/**
 * The core behind every door: owns the database and implements the API contract.
 * Doors call `lab.call(name, untrustedInput)`; it validates with the contract's schema.
 */
export class Lab {
  readonly db: store.Db;
  /** 'progress' events (ProgressEvent) of long work, for doors to forward */
  readonly events = new EventEmitter();
  /** training runs: a queue of trainer processes */
  readonly runs: RunQueue;
  /** studies driven by this lab */
  readonly studies: Studies;
  /** runs a stopped lab left queued or training, marked interrupted when this one opened the database */
  readonly interruptedAtStart: number;
  /**
   * The MLflow-compatible tracking API is served by a door (an HTTP server is no core
   * concern): serve mode serves it on its own port, the desktop app on one of its own.
   */
  tracking: TrackingDoor | null = null;
  private readonly handlers: Handlers;
  private jobs = 0;

  /** `parallel`: trainers at once (default: as many as the cores and the free memory allow). */
  constructor(dbPath: string, opts: { parallel?: number } = {}) {
    this.db = store.openDb(dbPath);
    this.interruptedAtStart = store.markInterrupted(this.db);
    this.runs = new RunQueue(this.db, (e) => this.events.emit('progress', e), opts.parallel ?? defaultParallel(this.db).parallel);
    const tracking = () => {
      if (!this.tracking) throw new LabError('unsupported', 'this door serves no tracking API: start the lab with `attention-lab serve` or open the desktop app');
      return this.tracking;
    };
    store.markStudiesInterrupted(this.db);
    this.studies = new Studies(this);
    this.handlers = makeHandlers(this, tracking, (kind) => {
      const job = `${kind}-${++this.jobs}`;
      return (phase, done, total, message) => this.events.emit('progress', { job, kind, phase, done, total, message } satisfies ProgressEvent);
    });
  }

  /** `remote`: the call came over the network (serve mode), so it may not name files on this machine. */
  async call<N extends CallName>(name: N, input: CallInput<N> | unknown, door: { remote?: boolean } = {}): Promise<CallOutput<N>> {
    if (!isCallName(name)) throw new LabError('invalid_input', `unknown call '${String(name)}'`);
    const parsed = api[name].input.safeParse(input ?? {});
    if (!parsed.success) throw fromZod(parsed.error, `input to ${name}`);
    const local = door.remote ? localPathFields[name]?.filter((f) => (parsed.data as Record<string, unknown>)[f] !== undefined) : [];
    if (local?.length) throw new LabError('invalid_input', `${local.join(', ')}: in the browser the lab reads only files you upload, not paths on the computer it runs on`);
    const handler = this.handlers[name] as (i: unknown) => CallOutput<N> | Promise<CallOutput<N>>;
    try {
      return await handler(parsed.data);
    } catch (e) {
      if (store.isBusy(e)) throw new LabError('conflict', 'the database is busy: another program (an import from the command line, say) has been writing to it for over 5 s; nothing was changed — try again when it is done');
      throw e;
    }
  }

  /** An export as a stream of text chunks, written as it is read (serve mode pipes it to the response). */
  exportStream(input: unknown): { filename: string; mime: string; chunks: AsyncGenerator<string> } {
    const parsed = ExportStreamInput.safeParse(input ?? {});
    if (!parsed.success) throw fromZod(parsed.error, 'input to export');
    const { ids, format, shape, metrics } = parsed.data;
    ids.forEach((id) => store.getRun(this.db, id)); // a missing run is refused before the first byte
    return { filename: exportName(ids, format, shape), mime: exportMime(format), chunks: exportStream(this.db, ids, format, shape, metrics) };
  }

  close(): void {
    this.studies.close();
    this.runs.close();
    this.db.close();
  }
}

type Reporter = (phase: string, done: number, total: number | null, message: string) => void;

/** A data-set progress callback that reports through `report`. */
const dataProgress = (report: Reporter): datasets.Progress => (p) =>
  report(p.phase, p.bytes ?? p.rows, p.totalBytes ?? null, p.phase === 'reading' ? `${p.rows.toLocaleString('en-US')} rows read` : `${p.phase} ${p.rows.toLocaleString('en-US')} rows`);

export type TrackingStatus = CallOutput<'tracking/status'>;
export interface TrackingDoor { status(): TrackingStatus; start(port?: number): Promise<TrackingStatus>; stop(): Promise<TrackingStatus> }

/** What the handlers of every noun share: the lab's parts, and solving (runs solve too). */
interface HandlerContext {
  lab: Lab; db: store.Db; runs: RunQueue; studies: Studies;
  tracking: () => TrackingDoor;
  job: (kind: ProgressEvent['kind']) => Reporter;
  solve: (taskSetId: number, given: SolveParamsParsed) => Promise<Solve>;
  withCurves: (taskSetId: number, params: SolveParamsParsed) => SolveParamsParsed;
}
/** The handlers of the calls named NOUN/… */
type HandlersOf<P extends string> = { [N in CallName as N extends `${P}/${string}` ? N : never]: Handlers[N] };

function makeHandlers(lab: Lab, tracking: () => TrackingDoor, job: (kind: ProgressEvent['kind']) => Reporter): Handlers {
  const { db, runs, studies } = lab;
  /** Solves a task set and stores the solve. */
  const solve = async (taskSetId: number, given: SolveParamsParsed): Promise<Solve> => {
    const params = withCurves(taskSetId, given);
    const problem = problemFromTaskSet(store.getTaskSet(db, taskSetId), params);
    const a = await solveAllocation(problem, params);
    return toSolve(store.saveSolve(db, fromAllocation(taskSetId, problem, params, a)));
  };
  /** A stored fit named by the params, read into the curves the solver takes. */
  const withCurves = (taskSetId: number, params: SolveParamsParsed): SolveParamsParsed =>
    params.curveFitId === undefined ? params : { ...params, curves: curvesForSolve(db, taskSetId, params) };
  const c: HandlerContext = { lab, db, runs, studies, tracking, job, solve, withCurves };
  return { ...dbHandlers(c), ...datasetHandlers(c), ...taskSetHandlers(c), ...solveHandlers(c), ...curveHandlers(c), ...studyHandlers(c), ...runHandlers(c), ...trackingHandlers(c), ...viewHandlers(c) };
}

/** The database file: what it holds, and compacting it. */
function dbHandlers({ db, runs }: HandlerContext): HandlersOf<'db'> {
  return {
    'db/info': () => store.dbInfo(db),
    'db/compact': () => {
      if (runs.busy()) throw new LabError('conflict', 'a run is training: compact the database when no run is queued or training');
      return store.compactDb(db);
    },
  };
}

/** Data sets: the built-ins, imports (with progress), examples, deletion. */
function datasetHandlers({ db, job }: HandlerContext): HandlersOf<'datasets'> {
  return {
    'datasets/list': () => datasets.listDatasets(db),
    'datasets/get': ({ id }) => datasets.getDataset(db, id),
    'datasets/builtins': () => datasets.builtins(db),
    'datasets/loadBuiltin': ({ name }) => datasets.ensureBuiltin(db, name, dataProgress(job('builtin'))),
    'datasets/import': async ({ path, content, filename, text, label, split, ...o }) => {
      const opts = { ...o, textColumn: text, labelColumn: label, splitColumn: split };
      const progress = dataProgress(job('import'));
      return path !== undefined ? datasets.importDataset(db, path, opts, progress) : datasets.importContent(db, filename!, content!, opts, progress);
    },
    'datasets/examples': ({ id, split, offset, limit }) => { datasets.getDataset(db, id); return store.pageExamples(db, id, split ?? null, offset, limit); },
    'datasets/delete': ({ id }) => { store.deleteDataset(db, id); return { ok: true as const }; },
  };
}

/** Task sets: stored, the shipped examples, and their costs measured. */
function taskSetHandlers({ db, job }: HandlerContext): HandlersOf<'taskSets'> {
  /** Built-ins named by a task are loaded on first use, before the set is stored. */
  const loadNamedBuiltins = (input: { tasks: { dataset: string | null }[] }) => {
    for (const t of input.tasks) if (t.dataset && datasets.BUILTINS[t.dataset] && !store.findDatasetByName(db, t.dataset)) datasets.ensureBuiltin(db, t.dataset, dataProgress(job('builtin')));
  };
  return {
    'taskSets/create': (input) => { loadNamedBuiltins(input); return store.createTaskSet(db, input); },
    'taskSets/update': ({ id, set }) => { loadNamedBuiltins(set); return store.updateTaskSet(db, id, set); },
    'taskSets/examples': () => exampleTaskSets(),
    'taskSets/list': () => store.listTaskSets(db),
    'taskSets/get': ({ id }) => store.getTaskSet(db, id),
    'taskSets/profile': async ({ id, model, batchSize, batches }) => {
      const set = store.getTaskSet(db, id);
      const { secondsPerPass } = await profileInProcess(db, set, { model, batchSize, batches, dim: 64, hidden: 64, seed: 1, vocabSize: 20_000 }, job('profile'));
      const costs = set.tasks.map((t, i) => ({ taskId: t.id, attentionCost: datasets.getDataset(db, t.datasetId!).stats.trainTokens, timeCost: secondsPerPass[i] }));
      return store.setMeasuredCosts(db, id, costs);
    },
    'taskSets/delete': ({ id }) => { store.deleteTaskSet(db, id); return { ok: true as const }; },
  };
}

/** Solving: the policies, a solve stored per call, sweeps over budgets. */
function solveHandlers({ db, solve, withCurves }: HandlerContext): HandlersOf<'solve'> {
  return {
    'solve/policies': () => Object.entries(POLICIES).map(([name, rule]) => ({ name: name as PolicyName, rule })),
    'solve/run': ({ taskSetId, ...params }) => solve(taskSetId, params),
    'solve/get': ({ id }) => toSolve(store.getSolve(db, id)),
    'solve/list': ({ taskSetId }) => { store.getTaskSet(db, taskSetId); return store.listSolves(db, taskSetId).map(toSolve); },
    'solve/sweep': async ({ taskSetId, points, ...given }) => {
      const params = withCurves(taskSetId, given);
      return sweep(problemFromTaskSet(store.getTaskSet(db, taskSetId), params), params, points);
    },
  };
}

/** Learning-curve fits: from runs, or typed by hand. */
function curveHandlers({ db }: HandlerContext): HandlersOf<'curves'> {
  return {
    'curves/fit': ({ runIds, name }) => store.saveCurveFit(db, fitFromRuns(db, runIds, name)),
    'curves/save': ({ taskSetId, name, curves }) => store.saveCurveFit(db, manualFit(db, taskSetId, curves, name)),
    'curves/list': ({ taskSetId }) => { store.getTaskSet(db, taskSetId); return store.listCurveFits(db, taskSetId); },
    'curves/get': ({ id }) => store.getCurveFit(db, id),
    'curves/delete': ({ id }) => { store.deleteCurveFit(db, id); return { ok: true as const }; },
  };
}

/** Studies: started, followed and exported through the lab's Studies. */
function studyHandlers({ lab, db, studies }: HandlerContext): HandlersOf<'studies'> {
  return {
    'studies/start': (input) => studies.start(input),
    'studies/list': () => store.listStudies(db),
    'studies/get': ({ id }) => store.getStudy(db, id),
    'studies/cancel': ({ id }) => studies.cancel(id),
    'studies/delete': ({ id }) => {
      if (store.getStudy(db, id).status === 'running') throw new LabError('conflict', `study ${id} is running: cancel it first`);
      store.deleteStudy(db, id);
      return { ok: true as const };
    },
    'studies/export': async ({ id }) => studyFiles(lab, store.getStudy(db, id)),
  };
}

/** Runs: queued and trained, listed, tagged, compared, exported; MLflow in and out. */
function runHandlers({ db, runs, job, solve }: HandlerContext): HandlersOf<'runs'> {
  return {
    'runs/start': async ({ taskSetId, solveId, epochs, seeds, model, dim, hidden, lr, vocabSize, threads, initFrom, name, tags, ...params }) => {
      runs.requireDiskDb();
      const set = store.getTaskSet(db, taskSetId);
      checkTrainable(set); // before solving: a solve is stored

      let s: Solve;
      if (solveId !== undefined) {
        s = toSolve(store.getSolve(db, solveId));
        if (s.taskSetId !== taskSetId) throw new LabError('invalid_input', `solveId: solve ${solveId} belongs to task set ${s.taskSetId}, not ${taskSetId}`);
      } else s = await solve(taskSetId, params.curveFitId === undefined ? params : { ...params, epochs }); // a stored fit is read per epoch of this run
      const created = createRuns(db, set, s, { model, dim, hidden, lr, batchSize: params.batchSize, epochs, vocabSize, threads, seeds, initFrom, name, tags });
      for (const r of created) runs.enqueue(r.id);
      return created.map((r) => store.getRun(db, r.id));
    },
    'runs/parallel': ({ parallel }) => {
      if (parallel !== undefined) runs.parallel = parallel;
      const { parallel: byDefault, ...machine } = defaultParallel(db);
      return { parallel: runs.parallel, default: byDefault, ...machine };
    },
    'runs/cancel': ({ id }) => runs.cancel(id),
    'runs/resume': ({ id }) => runs.resume(id),
    'runs/update': ({ id, ...patch }) => store.updateRunNotes(db, id, patch),
    'runs/delete': ({ id }) => { runs.delete(id); return { ok: true as const }; },
    'runs/metrics': ({ id }) => { store.getRun(db, id); return store.readMetrics(db, id); },
    'runs/curves': ({ ids, metric }) => { ids.forEach((id) => store.getRun(db, id)); return store.readCurves(db, ids, metric); },
    'runs/list': (input) => store.listRunRows(db, input),
    'runs/get': ({ id }) => store.getRun(db, id),
    'runs/importMlflow': ({ path }) => {
      const report = job('import');
      return importMlflow(db, path, (done, total, message) => report('reading', done, total, message));
    },
    'runs/exportMlflow': ({ ids, dir }) => exportMlflow(db, ids, dir),
    'runs/deleteMany': ({ ids, q }) => runs.deleteMany(ids ?? store.listRunRows(db, { q, sort: 'id', desc: false, metric: 'test.accuracy', columns: [], offset: 0, limit: 1, withIds: true }).ids!),
    'runs/tag': ({ ids, add, remove }) => ({ changed: store.tagRuns(db, ids, add, remove) }),
    'runs/export': async ({ id, format }) => { store.getRun(db, id); return { filename: exportName([id], format, 'long'), mime: exportMime(format), body: await collect(exportStream(db, [id], format, 'long')) }; },
    'runs/compare': (input) => compareRuns(db, input),
  };
}

/** The tracking API a door serves (serve mode, the desktop app). */
function trackingHandlers({ tracking }: HandlerContext): HandlersOf<'tracking'> {
  return {
    'tracking/status': () => tracking().status(),
    'tracking/start': ({ port }) => tracking().start(port),
    'tracking/stop': () => tracking().stop(),
  };
}

/** Named Compare views. */
function viewHandlers({ db }: HandlerContext): HandlersOf<'views'> {
  return {
    'views/list': () => store.listViews(db),
    'views/save': ({ name, state }) => store.saveView(db, name, state),
    'views/delete': ({ id }) => { store.deleteView(db, id); return { ok: true as const }; },
  };
}

/** The task-set files in resources/ (beside the source tree, or two levels up from the bundled main). */
function exampleTaskSets(): CallOutput<'taskSets/examples'> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = [join(here, '../resources'), join(here, '../../resources')].find((d) => existsSync(d));
  if (!dir) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.taskset.json')).sort().map((file) => {
    const input = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { name: string; description?: string };
    return { file, name: input.name, description: input.description ?? '', input };
  });
}

/** A solve as stored: the allocation spread over the solves table's columns. */
function fromAllocation(taskSetId: number, p: Problem, params: SolveParamsParsed, a: Allocation): Omit<store.SolveRecord, 'id' | 'createdAt'> {
  return {
    taskSetId, policy: a.policy, status: a.status, allocation: a.pi, counts: a.counts, explanation: a.explanation, engine: a.engine, solverMs: a.solverMs,
    params: { ...params, budget: p.budget, timeBudget: p.timeBudget },
    inputs: { tasks: p.tasks, unitsPerTask: p.unitsPerTask, shareCap: p.shareCap },
    objective: a.objective,
    duals: { ...a.duals, binding: a.binding, leastBudget: a.leastBudget, notes: a.notes },
  };
}

function toSolve(r: store.SolveRecord): Solve {
  const inputs = r.inputs as { tasks: { name: string }[]; unitsPerTask: number[] };
  const d = r.duals as { attention: number | null; time: number | null; binding: string[]; leastBudget: number | null; notes: string[] };
  return {
    id: r.id, taskSetId: r.taskSetId, createdAt: r.createdAt, params: r.params,
    policy: r.policy as PolicyName, status: r.status as Solve['status'], tasks: inputs.tasks.map((t) => t.name),
    pi: r.allocation ?? [], counts: r.counts ?? [], unitsPerTask: inputs.unitsPerTask,
    objective: r.objective as Solve['objective'], duals: { attention: d.attention, time: d.time }, binding: d.binding,
    explanation: r.explanation, leastBudget: d.leastBudget, notes: d.notes, engine: r.engine, solverMs: r.solverMs,
  };
}
