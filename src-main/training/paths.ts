import { backendChoice } from './backend';
import { BagGraphModel } from './bagGraph';
import { BagModel } from './bagModel';
import { MultiTaskModel, type Model, type ModelConfig, type ModelKind, type TrainPath } from './model';

export const PATH_NAMES: Record<TrainPath, string> = { js: 'bag step in JS', graph: 'bag step as one TF graph on the device', tf: 'TF.js ops around the JS table' };

/** The path a model of `kind` takes on the chosen backend. */
export function trainPath(kind: ModelKind): TrainPath {
  if (kind !== 'bag') return 'tf';
  return (backendChoice() ?? 'cpu') === 'cpu' ? 'js' : 'graph';
}

/** A model on its path; `threads` splits the JS bag step (other paths use one). */
export function createModel(config: ModelConfig, threads = 1): Model {
  const path = trainPath(config.kind);
  return path === 'js' ? new BagModel(config, threads) : path === 'graph' ? new BagGraphModel(config) : new MultiTaskModel(config);
}
