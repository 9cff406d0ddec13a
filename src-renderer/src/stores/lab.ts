import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { CallOutput } from '@api/contract';
import type { ProgressEvent } from '@api/schemas';
import { call, onEvent } from '../api';

/**
 * What the app knows about the store; views read it, actions refresh it through the
 * API client. Progress events keep the latest event per job, and a run's change of
 * status refreshes the run list.
 */
export const useLab = defineStore('lab', () => {
  const info = ref<CallOutput<'db/info'> | null>(null);
  const taskSets = ref<CallOutput<'taskSets/list'>>([]);
  const datasets = ref<CallOutput<'datasets/list'>>([]);
  const builtins = ref<CallOutput<'datasets/builtins'>>([]);
  const runs = ref<CallOutput<'runs/list'>>([]);
  const progress = reactive(new Map<string, ProgressEvent>());
  const error = ref<string | null>(null);
  /** bumped when a run finishes an epoch, so open charts reload their curves */
  const epochTick = ref(0);

  async function refresh() {
    try {
      [info.value, taskSets.value, datasets.value, builtins.value, runs.value] = await Promise.all([
        call('db/info', {}), call('taskSets/list', {}), call('datasets/list', {}), call('datasets/builtins', {}), call('runs/list', {}),
      ]);
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  const RUN_PHASES = new Set(['queued', 'starting', 'completed', 'failed', 'cancelled', 'interrupted']);
  let asked = 0;
  /** The run list again; only the newest answer is kept (answers may cross). */
  async function refreshRuns() {
    const n = ++asked;
    const r = await call('runs/list', {});
    if (n === asked) runs.value = r;
  }
  onEvent('progress', (e) => {
    progress.set(e.job, e);
    if (e.kind !== 'run') return;
    if (e.phase.endsWith(' done')) epochTick.value++;
    if (RUN_PHASES.has(e.phase) || e.phase.endsWith(' done')) void refreshRuns().catch((err: Error) => (error.value = err.message));
  });

  return { info, taskSets, datasets, builtins, runs, progress, error, epochTick, refresh, refreshRuns };
});
