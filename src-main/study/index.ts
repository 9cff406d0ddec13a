import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../api/errors';
import type { ModelKind, PolicyName, ProgressEvent } from '../api/schemas';
import type { StudyHost } from './host';
import type { Fit } from './fit';

/**
 * The study from the command line: the same study the app starts (src-main/study/runner),
 * followed to its end, its report written to a folder as report.md and PNG charts.
 */
export interface StudyOptions {
  taskSetId: number; budget?: number; policies: PolicyName[]; seeds: number[]; epochs: number;
  pilotEpochs: number; pilotFraction: number; report: string; model?: ModelKind;
}
export interface StudyResult { markdown: string; runIds: Record<string, number[]>; pilotRunId: number; fits: Record<string, Fit>; studyId: number }

export async function runStudy(lab: StudyHost, o: StudyOptions, log: (line: string) => void = () => {}): Promise<StudyResult> {
  const { report, ...input } = o;
  const started = await lab.call('studies/start', input);
  const onEvent = (e: ProgressEvent) => { if (e.kind === 'study' && e.studyId === started.id && !/^\w+: \d+ %$/.test(e.message)) log(e.message); };
  lab.events.on('progress', onEvent);
  let s;
  try {
    s = await lab.studies.wait(started.id);
  } finally {
    lab.events.off('progress', onEvent);
  }
  if (s.status !== 'completed' || !s.report) throw new LabError('internal', `study ${s.id} ${s.status}: ${s.error ?? ''}`);
  mkdirSync(report, { recursive: true });
  for (const f of await lab.call('studies/export', { id: s.id })) writeFileSync(join(report, f.filename), f.encoding === 'base64' ? Buffer.from(f.body, 'base64') : f.body);
  const fit = await lab.call('curves/get', { id: s.curveFitId! });
  return {
    markdown: s.markdown!, runIds: s.runIds, pilotRunId: s.pilotRunId!, studyId: s.id,
    fits: Object.fromEntries(fit.tasks.map((t) => [t.task, { curve: t.curve, rmse: t.rmse ?? 0, points: t.points.length, fallback: t.fallback }])),
  };
}
