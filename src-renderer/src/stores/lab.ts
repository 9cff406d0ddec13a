import { defineStore } from 'pinia';
import { nextTick, reactive, ref } from 'vue';
import type { CallOutput } from '@api/contract';
import type { ProgressEvent } from '@api/schemas';
import { call, onEvent } from '../api';

/**
 * What the app knows about the store; views read it, actions refresh it through the
 * API client. Progress events keep the latest event per job; a run's change of status
 * or a finished epoch tells the views which one run changed (they re-read its row
 * alone: nothing costs O(all runs) per event).
 */
export const useLab = defineStore('lab', () => {
  const info = ref<CallOutput<'db/info'> | null>(null);
  const taskSets = ref<CallOutput<'taskSets/list'>>([]);
  const datasets = ref<CallOutput<'datasets/list'>>([]);
  const builtins = ref<CallOutput<'datasets/builtins'>>([]);
  const progress = reactive(new Map<string, ProgressEvent>());
  const error = ref<string | null>(null);

  async function refresh() {
    try {
      [info.value, taskSets.value, datasets.value, builtins.value] = await Promise.all([
        call('db/info', {}), call('taskSets/list', {}), call('datasets/list', {}), call('datasets/builtins', {}),
      ]);
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  const listeners = new Set<(runId: number) => void>();
  /** Calls back with a run's id when that run changes; returns an unsubscribe function. */
  const onRunChanged = (f: (runId: number) => void) => { listeners.add(f); return () => void listeners.delete(f); };
  const runChanged = (id: number) => listeners.forEach((f) => f(id));

  /**
   * Each run's last known share done (0–100) and time left. Events that carry no epoch (cancelled,
   * starting) leave it as it was: a run cancelled at 24 % still reads 24 %, and resumes from there.
   */
  const runProgress = reactive(new Map<number, { percent: number; etaS: number | null }>());
  const RUN_PHASES = new Set(['queued', 'starting', 'completed', 'failed', 'cancelled', 'interrupted']);
  onEvent('progress', (e) => {
    const t0 = performance.now();
    progress.set(e.job, e);
    if (e.kind === 'run' && e.runId !== undefined && e.epochs && e.epoch !== undefined) {
      // an epoch's end closes it; otherwise done / total of the epoch in progress (none when resuming)
      const within = e.epochDone ? 1 : e.total ? e.done / e.total : 0;
      runProgress.set(e.runId, { percent: Math.min(100, Math.floor((100 * (e.epoch - 1 + within)) / e.epochs)), etaS: e.etaS ?? null });
    }
    // a finished epoch is a change of that run alone: views showing it re-read it, the others do nothing
    if (e.kind === 'run' && e.runId !== undefined && (RUN_PHASES.has(e.phase) || e.epochDone)) runChanged(e.runId);
    // the main thread's share of an event, for the bench: this handler and the re-render it caused
    void nextTick(() => performance.measure('progress-event', { start: t0, end: performance.now() }));
  });

  return { info, taskSets, datasets, builtins, progress, runProgress, error, refresh, onRunChanged, runChanged };
});
