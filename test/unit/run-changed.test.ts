import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../src-main/api/schemas';

// the renderer's API client, without a server: the test plays the progress events
const emitted = vi.hoisted(() => ({ progress: (_e: ProgressEvent) => {} }));
vi.mock('../../src-renderer/src/api', () => ({ call: vi.fn(), onEvent: (_name: string, f: (e: ProgressEvent) => void) => { emitted.progress = f; return () => {}; } }));
const { useLab } = await import('../../src-renderer/src/stores/lab');

/** The renderer store names the one run a progress event changed (views reload only what shows it). */
describe('the lab store: which run changed', () => {
  let seen: number[];
  let off: () => void;
  beforeEach(() => {
    setActivePinia(createPinia());
    seen = [];
    off = useLab().onRunChanged((id) => seen.push(id));
  });
  const run = (runId: number, phase: string, more: Partial<ProgressEvent> = {}) => emitted.progress({ job: `run-${runId}`, kind: 'run', runId, phase, done: 0, total: null, message: '', ...more });

  it("names a run when one of its epochs is stored and when its status changes, and no other", () => {
    run(7, 'epoch 3/5', { done: 10, total: 40, epoch: 3, epochs: 5 }); // mid-epoch: nothing new stored
    expect(seen).toEqual([]);
    run(7, 'epoch 3 done', { done: 1, total: 1, epoch: 3, epochDone: true });
    run(8, 'completed');
    emitted.progress({ job: 'import-1', kind: 'import', phase: 'reading', done: 1, total: 2, message: '' });
    expect(seen).toEqual([7, 8]);
    off();
    run(7, 'epoch 4 done', { done: 1, total: 1, epoch: 4, epochDone: true });
    expect(seen).toEqual([7, 8]);
  });
});
