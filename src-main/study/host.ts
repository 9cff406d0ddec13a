import type { EventEmitter } from 'node:events';
import type { CallInput, CallName, CallOutput } from '../api/contract';
import type { Run } from '../api/schemas';
import type { Study } from '../api/study';
import type * as store from '../store';

/**
 * What a study needs of the lab that drives it: the contract's calls, the database, the
 * run queue and the progress events. The Lab satisfies it; the study never imports the
 * Lab (the facade doors call), so the dependency points one way: lab → study.
 */
export interface StudyHost {
  readonly db: store.Db;
  readonly events: EventEmitter;
  readonly runs: { wait(id: number): Promise<Run>; cancel(id: number): Promise<unknown>; requireDiskDb(): void };
  readonly studies: { wait(id: number): Promise<Study> };
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
}
