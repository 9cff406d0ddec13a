import { LabError } from '../api/errors';
import type { ProgressEvent, Run } from '../api/schemas';
import type { Study, StudyStartInput } from '../api/study';
import type { StudyHost } from './host';
import * as store from '../store';
import { buildReport, reportMarkdown } from './report';

type Options = Required<Omit<StudyStartInput, 'budget' | 'name'>> & { budget?: number; name?: string };

/**
 * Studies as background jobs of one lab: a uniform pilot (a share of one study run's
 * attention), learning curves fitted to it and stored, every policy over every seed (the
 * curve policy with that fit), then the report, stored with the study. Progress (each
 * run's share of the whole, with an ETA) streams as 'study' events; cancel stops the
 * study's runs and keeps what they logged.
 */
export class Studies {
  private readonly live = new Map<number, { cancelled: boolean }>();

  constructor(private readonly lab: StudyHost) {}

  start(o: Options): Study {
    const { db } = this.lab;
    this.lab.runs.requireDiskDb();
    const set = store.getTaskSet(db, o.taskSetId);
    const name = o.name?.trim() || `${set.name} · ${o.policies.join(' vs ')}`;
    const study = store.createStudy(db, { taskSetId: set.id, name, options: o });
    const job = { cancelled: false };
    this.live.set(study.id, job);
    void this.execute(study.id, o, job)
      .catch(async (e: Error) => {
        if (!store.finishStudy(db, study.id, job.cancelled ? 'cancelled' : 'failed', { error: job.cancelled ? 'cancelled by the user' : e.message })) return;
        await this.stopRuns(study.id); // a failed study leaves no runs training for it
        this.emit(study.id, job.cancelled ? 'cancelled' : 'failed', 1, 1, job.cancelled ? 'cancelled' : e.message);
      })
      .finally(() => this.live.delete(study.id));
    return study;
  }

  /** Stops a running study: its queued and training runs are cancelled, finished ones kept. */
  async cancel(id: number): Promise<Study> {
    const s = store.getStudy(this.lab.db, id);
    const job = this.live.get(id);
    if (s.status !== 'running' || !job) throw new LabError('conflict', `study ${id} is ${s.status === 'running' ? 'run by another program' : s.status}: there is nothing to cancel here`);
    job.cancelled = true;
    store.finishStudy(this.lab.db, id, 'cancelled', { error: 'cancelled by the user' });
    await this.stopRuns(id);
    this.emit(id, 'cancelled', 1, 1, 'cancelled');
    return store.getStudy(this.lab.db, id);
  }

  private async stopRuns(id: number): Promise<void> {
    const s = store.getStudy(this.lab.db, id);
    for (const rid of [s.pilotRunId, ...Object.values(s.runIds).flat()]) {
      if (rid === null) continue;
      const r = store.getRun(this.lab.db, rid);
      if (r.status === 'queued' || r.status === 'running') await this.lab.runs.cancel(rid).catch(() => {}); // it may stop on its own meanwhile
    }
  }

  /** Resolves when the study stops. */
  async wait(id: number): Promise<Study> {
    for (;;) {
      const s = store.getStudy(this.lab.db, id);
      if (s.status !== 'running' || !this.live.has(id)) return s;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  close(): void {
    for (const j of this.live.values()) j.cancelled = true;
  }

  private emit(studyId: number, phase: string, done: number, total: number | null, message: string, etaS: number | null = null) {
    this.lab.events.emit('progress', { job: `study-${studyId}`, kind: 'study', studyId, phase, done, total, message, etaS } satisfies ProgressEvent);
  }

  private async execute(id: number, o: Options, job: { cancelled: boolean }): Promise<void> {
    const { lab } = this;
    const set = await lab.call('taskSets/get', { id: o.taskSetId });
    const budget = o.budget ?? set.budget;
    const total = set.tasks.reduce((s, t) => s + t.attentionCost, 0);
    const tag = `study:${set.name}:${new Date().toISOString().slice(0, 19)}`;
    // progress in units of one study run; the pilot counts for the share of attention it spends
    const share = Math.min(1, Math.max(...set.tasks.map((t) => t.floor), (o.pilotFraction * o.epochs * budget) / (o.pilotEpochs * total)));
    const pilotWeight = Math.min(1, (share * o.pilotEpochs * total) / (o.epochs * budget));
    const units = pilotWeight + o.policies.length * o.seeds.length;
    let phase = 'pilot';
    const progress = new StudyProgress(units, (done, eta) => this.emit(id, phase, done, units, `${phase}: ${Math.round((100 * done) / units)} %`, eta));
    const onRun = (e: ProgressEvent) => progress.run(e);
    lab.events.on('progress', onRun);
    const wait = async (rid: number): Promise<Run> => {
      const r = await lab.runs.wait(rid);
      if (job.cancelled) throw new LabError('conflict', 'cancelled');
      if (r.status !== 'completed') throw new LabError('internal', `run ${rid} ${r.status}${r.error ? `: ${r.error}` : ''}`);
      progress.finished(rid);
      return r;
    };
    try {
      // 1. the pilot: uniform, never under a task's floor (it must be feasible too)
      const [pilot] = await lab.call('runs/start', { taskSetId: set.id, policy: 'uniform', budget: Math.max(share * total, 1e-9), epochs: o.pilotEpochs, seeds: [o.seeds[0]], model: o.model, tags: [tag, 'pilot'], name: `${set.name} · study pilot` });
      progress.weigh(pilot.id, pilotWeight);
      store.updateStudy(lab.db, id, { pilotRunId: pilot.id });
      this.emit(id, phase, 0, units, `pilot run ${pilot.id}: uniform, π = ${share.toFixed(3)} per task, ${o.pilotEpochs} epochs`);
      await wait(pilot.id);

      // 2. the fit, stored like one made by hand in the app
      phase = 'fitting';
      store.updateStudy(lab.db, id, { phase });
      const fit = await lab.call('curves/fit', { runIds: [pilot.id], name: `pilot of study ${id}` });
      store.updateStudy(lab.db, id, { curveFitId: fit.id });
      this.emit(id, phase, pilotWeight, units, `fitted learning curves (fit ${fit.id})`);

      // 3. every policy over every seed at the study's budget
      phase = 'runs';
      store.updateStudy(lab.db, id, { phase });
      const runIds: Record<string, number[]> = {}, pis: Record<string, number[]> = {};
      for (const policy of o.policies) {
        if (job.cancelled) throw new LabError('conflict', 'cancelled');
        const runs = await lab.call('runs/start', { taskSetId: set.id, policy, budget, epochs: o.epochs, seeds: o.seeds, model: o.model, tags: [tag, policy], curveFitId: fit.id, name: `${set.name} · study · ${policy}` });
        runIds[policy] = runs.map((r) => r.id);
        for (const r of runs) progress.weigh(r.id, 1);
        store.updateStudy(lab.db, id, { runIds });
        const solve = await lab.call('solve/get', { id: runs[0].solveId! });
        pis[policy] = set.tasks.map((t) => solve.pi[solve.tasks.indexOf(t.name)]);
        this.emit(id, phase, pilotWeight, units, `queued ${policy}: runs ${runIds[policy].join(', ')}`);
      }
      for (const ids of Object.values(runIds)) for (const rid of ids) await wait(rid);

      // 4. the report
      phase = 'report';
      store.updateStudy(lab.db, id, { phase });
      const cmp = await lab.call('runs/compare', { ids: Object.values(runIds).flat(), metric: 'test.accuracy', groupBy: 'policy', perTask: true });
      const report = buildReport({ set, budget, epochs: o.epochs, model: o.model, seeds: o.seeds, tag, pilot: { runId: pilot.id, share, epochs: o.pilotEpochs }, fit, cmp, runIds, pis });
      if (job.cancelled) throw new LabError('conflict', 'cancelled');
      store.finishStudy(lab.db, id, 'completed', { report: { report, markdown: reportMarkdown(report) } });
      this.emit(id, 'completed', units, units, 'the report is ready');
    } finally {
      lab.events.off('progress', onRun);
    }
  }
}

/**
 * A study's progress in units of one study run (the pilot counts for the share of attention
 * it spends): each run's share done, from its progress events, weighed; and an ETA from the
 * time so far, once there is enough to go on.
 */
class StudyProgress {
  private readonly weightOf = new Map<number, number>();
  private readonly doneOf = new Map<number, number>();
  private readonly started = Date.now();

  constructor(private readonly units: number, private readonly say: (done: number, etaS: number | null) => void) {}

  /** Counts a run of the study, worth `weight` units. */
  weigh(runId: number, weight: number): void {
    this.weightOf.set(runId, weight);
  }

  /** A progress event of any run: the study's runs move the study on. */
  run(e: ProgressEvent): void {
    if (e.kind !== 'run' || e.runId === undefined || !this.weightOf.has(e.runId)) return;
    if (e.epoch !== undefined && e.epochs && e.total) this.doneOf.set(e.runId, (e.epoch - 1 + e.done / e.total) / e.epochs);
    else if (e.phase === 'completed') this.doneOf.set(e.runId, 1);
    else return;
    const done = [...this.doneOf.entries()].reduce((s, [rid, f]) => s + f * (this.weightOf.get(rid) ?? 0), 0);
    const f = done / this.units, elapsed = (Date.now() - this.started) / 1000;
    this.say(done, f > 0.02 && elapsed > 1 ? Math.round((elapsed * (1 - f)) / f) : null);
  }

  finished(runId: number): void {
    this.doneOf.set(runId, 1);
  }
}
