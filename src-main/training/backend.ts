import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { LabError } from '../api/errors';
import { useLabKernels } from './kernels';

/**
 * Chooses the TF.js backend at run time: the CUDA build of tfjs-node if it loads, else
 * the native CPU build, else pure-JS CPU with the lab's own kernels. Both native
 * packages are optional dependencies (their libtensorflow download fails offline).
 * ATTENTION_LAB_BACKEND=gpu|node|cpu forces one and fails clearly if it cannot load.
 */
export type BackendChoice = 'gpu' | 'node' | 'cpu';
export interface BackendInfo {
  choice: BackendChoice; name: string; versions: Record<string, string>; hardware: { cpus: string; cores: number; memoryGiB: number }; tried: string[];
  /** how a run's steps ran on it (set by the trainer: training/paths.ts) */
  trainPath?: 'js' | 'graph' | 'tf';
}

const PACKAGES: Record<Exclude<BackendChoice, 'cpu'>, string> = { gpu: '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' };
const nodeRequire = createRequire(import.meta.url); // not `require`: the bundler's ESM shim declares that one
let chosen: BackendInfo | null = null;

/** The backend chosen so far (null before initBackend). */
export const backendChoice = (): BackendChoice | null => chosen?.choice ?? null;

export async function initBackend(force = process.env.ATTENTION_LAB_BACKEND): Promise<BackendInfo> {
  if (chosen) return chosen;
  tf.env().set('PROD', true); // no "install tfjs-node" banner: the lab chose its backend on purpose
  // Gradients: tfjs-core's Node bundle registers none, and its ESM files cannot be imported by Node;
  // the union package registers them all in the registry every copy shares (a global).
  nodeRequire('@tensorflow/tfjs');
  if (force && !['gpu', 'node', 'cpu'].includes(force)) throw new LabError('invalid_input', `ATTENTION_LAB_BACKEND: '${force}' is none of gpu, node, cpu`);
  const order: BackendChoice[] = force ? [force as BackendChoice] : ['gpu', 'node', 'cpu'];
  const tried: string[] = [];
  for (const choice of order) {
    if (choice === 'cpu') {
      useLabKernels();
      await tf.setBackend('cpu');
      return (chosen = describe('cpu', tried));
    }
    try {
      nodeRequire(PACKAGES[choice]); // registers the 'tensorflow' backend with this tfjs-core
      await tf.setBackend('tensorflow');
      return (chosen = describe(choice, tried));
    } catch (e) {
      const why = `${PACKAGES[choice]}: ${(e as Error).message.split('\n')[0]}`;
      if (force) throw new LabError('unsupported', `ATTENTION_LAB_BACKEND=${force}, but ${why}`);
      tried.push(why);
    }
  }
  throw new LabError('internal', 'no TF.js backend could be loaded');
}

function describe(choice: BackendChoice, tried: string[]): BackendInfo {
  const cpus = os.cpus();
  return {
    choice,
    name: choice === 'cpu' ? 'cpu (pure JS + lab kernels)' : choice === 'gpu' ? 'tensorflow (CUDA)' : 'tensorflow (native CPU)',
    versions: runtimeVersions(choice),
    hardware: { cpus: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    tried,
  };
}

/**
 * What the run's environment records of the runtime: the same keys whether the trainer was
 * forked from Node or from Electron (which adds its own version; tfjs-node is a Node-API
 * addon, so the same build loads in both).
 */
export function runtimeVersions(choice: BackendChoice, versions: Partial<NodeJS.ProcessVersions> = process.versions): Record<string, string> {
  const out: Record<string, string> = { 'tfjs-core': tf.version_core, node: versions.node ?? 'unknown' };
  if (versions.electron) out.electron = versions.electron;
  if (choice !== 'cpu') out[PACKAGES[choice]] = (nodeRequire(`${PACKAGES[choice]}/package.json`) as { version: string }).version;
  return out;
}
