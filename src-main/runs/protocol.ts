import type { LabRunConfig } from '../api/schemas';
import type { BackendInfo } from '../training/backend';
import type { ProfileConfig } from '../training/profile';
import type { EpochReport, TrainConfig, TrainProgress, TrainResult } from '../training/train';

/**
 * What a run's parent and its trainer process say to each other. The trainer reads the
 * database but never writes it: the parent stores what the trainer reports, so the
 * database has one writer and a killed trainer cannot leave a half-written transaction.
 */
export type TrainerTask = LabRunConfig['tasks'][number];
export interface TrainerJob {
  kind: 'train';
  dbPath: string;
  runId: number;
  tasks: TrainerTask[];
  config: TrainConfig & { vocabSize: number };
  checkpointDir: string;
  resume?: string;
  initFrom?: string;
}
/** Profiling measures t_i in the same kind of process, so the lab never blocks while it times steps. */
export interface ProfileJob { kind: 'profile'; dbPath: string; tasks: { name: string; datasetId: number }[]; config: ProfileConfig & { vocabSize: number } }

export type TrainerMessage =
  | { type: 'profiled'; secondsPerPass: number[]; secondsPerBatch: number[] }
  | { type: 'profiling'; done: number; total: number }
  | { type: 'started'; backend: BackendInfo }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; result: TrainResult; memory: { loadedMiB: number; peakMiB: number } }
  | { type: 'failed'; error: string };
