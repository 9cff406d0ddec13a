import { LabError } from '../api/errors';
import type { Study } from '../api/study';
import type { StudyHost } from './host';
import { taskChartFile } from './report';

export type StudyFile = { filename: string; mime: string; encoding: 'utf8' | 'base64'; body: string };

/**
 * A finished study's report as files, as the CLI writes them: report.md, curves.png
 * (test accuracy against attention, mean over tasks, mean ± std per policy) and one
 * curve-TASK.png per task by epoch. Charts are drawn from the stored runs, in Node.
 */
export async function studyFiles(lab: StudyHost, s: Study): Promise<StudyFile[]> {
  if (!s.report || !s.markdown) throw new LabError('conflict', `study ${s.id} is ${s.status}: only a completed study has a report`);
  const { renderComparisonPng } = await import('../compare/render'); // resvg and echarts load only when a report is exported
  const ids = s.report.accuracy.flatMap((a) => a.runIds);
  const png = (filename: string, b: Buffer): StudyFile => ({ filename, mime: 'image/png', encoding: 'base64', body: b.toString('base64') });
  const byAttention = await lab.call('runs/compare', { ids, metric: 'test.accuracy', groupBy: 'policy', x: 'attention' });
  const perTask = await lab.call('runs/compare', { ids, metric: 'test.accuracy', groupBy: 'policy', perTask: true });
  return [
    { filename: 'report.md', mime: 'text/markdown', encoding: 'utf8', body: s.markdown },
    png('curves.png', renderComparisonPng(byAttention, { smoothing: 0, raw: false, title: 'test accuracy, mean over tasks, by attention spent' })),
    ...perTask.tasks.map((t) => png(taskChartFile(t), renderComparisonPng(perTask, { smoothing: 0, raw: false, task: t, title: `${t}: test accuracy by epoch` }, { width: 800, height: 420 }))),
  ];
}
