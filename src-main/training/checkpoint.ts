import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelConfig, ModelState } from './model';

/**
 * A checkpoint file: 'ALCK', a little-endian u32 header length, the JSON header, then
 * the arrays' raw bytes (8-byte aligned). Written to a temporary file and renamed, so a
 * trainer killed mid-write leaves the previous checkpoint whole.
 */
export interface CheckpointHeader {
  format: 'attention-lab/checkpoint';
  version: 1;
  model: ModelConfig;
  vocab: string[];
  tasks: string[];
  epoch: number;
  step: number;
  attention: number;
  taskAttention: number[];
  /** examples executed per task (absent in checkpoints written before it was kept) */
  taskExamples?: number[];
  wallMs: number;
  best: number | null;
}
interface Entry { name: string; dtype: 'float32' | 'uint32'; offset: number; length: number }
const MAGIC = 'ALCK';

/** One file per epoch: a trainer that outlives its parent writes epoch N+1 beside N, never over the one the database names. */
export const epochFile = (dir: string, epoch: number): string => join(dir, `epoch-${epoch}.ckpt`);
/** The epoch a checkpoint file (or its write in progress, .tmp) is of. */
export const epochOfFile = (name: string): number | null => {
  const m = /^epoch-(\d+)\.ckpt(?:\.tmp)?$/.exec(name);
  return m ? Number(m[1]) : null;
};

export function writeCheckpoint(path: string, header: CheckpointHeader, state: ModelState): void {
  const entries: Entry[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(state)) {
    entries.push({ name, dtype: a instanceof Uint32Array ? 'uint32' : 'float32', offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify({ ...header, arrays: entries }));
  const pre = Buffer.alloc(Math.ceil((8 + json.length) / 8) * 8);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(json.length, 4);
  json.copy(pre, 8);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`, fd = openSync(tmp, 'w');
  try {
    writeSync(fd, pre);
    const pad = Buffer.alloc(8);
    for (const a of Object.values(state)) {
      writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const rest = Math.ceil(a.byteLength / 8) * 8 - a.byteLength;
      if (rest) writeSync(fd, pad, 0, rest);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true }); // a full disk must not stay full of half a checkpoint
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export function readCheckpoint(path: string): { header: CheckpointHeader; state: ModelState } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`checkpoint ${path} cannot be read: ${(e as Error).message}`);
  }
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error(`checkpoint ${path} is not an Attention Lab checkpoint`);
  const n = buf.readUInt32LE(4);
  const { arrays, ...header } = JSON.parse(buf.toString('utf8', 8, 8 + n)) as CheckpointHeader & { arrays: Entry[] };
  if (header.version !== 1) throw new Error(`checkpoint ${path}: version ${header.version} is newer than this lab reads`);
  const base = Math.ceil((8 + n) / 8) * 8;
  const state: ModelState = {};
  for (const e of arrays) {
    // copy out of the file buffer: the model keeps these arrays
    const bytes = buf.subarray(base + e.offset, base + e.offset + e.length * 4);
    if (bytes.length !== e.length * 4) throw new Error(`checkpoint ${path} is truncated (at '${e.name}')`);
    const copy = new Uint8Array(bytes);
    state[e.name] = e.dtype === 'uint32' ? new Uint32Array(copy.buffer) : new Float32Array(copy.buffer);
  }
  return { header, state };
}
