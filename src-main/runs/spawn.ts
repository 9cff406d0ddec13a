import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Starting trainer processes. A trainer spends most of a second loading its modules
 * before it can train, so a door that knows it will train (the CLI's run and study)
 * forks one ahead, while it loads its own; the run queue takes that one first.
 */
export interface Trainer { child: ChildProcess; why: (code: number | null, signal: NodeJS.Signals | null) => string }

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let spare: Trainer | null = null;

/** The trainer entry: the bundled trainer.js beside the built main process, else the source through tsx. */
function trainerEntry(): { path: string; execArgv: string[] } {
  const built = join(here, 'trainer.js');
  if (existsSync(built)) return { path: built, execArgv: [] };
  return { path: join(here, 'trainer.ts'), execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href] };
}

/** A trainer process, keeping the tail of its standard error to explain a crash. */
function spawnTrainer(): Trainer {
  const entry = trainerEntry();
  // Under Electron the trainer runs Electron's own Node (and opens the same better-sqlite3 build: store/binding.ts).
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  const child = fork(entry.path, [], { execArgv: entry.execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const why = (code: number | null, signal: NodeJS.Signals | null) =>
    `the trainer ${signal ? `was killed (${signal})` : `exited with code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
  return { child, why };
}

/** Forks a trainer now, for the next forkTrainer(); it keeps no one waiting (unused, it leaves with this process). */
export function prewarmTrainer(): void {
  if (spare) return;
  spare = spawnTrainer();
  spare.child.unref();
  spare.child.channel?.unref();
  (spare.child.stderr as { unref?: () => void } | null)?.unref?.();
}

/** A trainer: the one forked ahead if it is still alive, else a new one. */
export function forkTrainer(): Trainer {
  const t = spare;
  spare = null;
  if (t && t.child.connected && t.child.exitCode === null) {
    t.child.ref();
    t.child.channel?.ref();
    (t.child.stderr as { ref?: () => void } | null)?.ref?.();
    return t;
  }
  t?.child.kill();
  return spawnTrainer();
}
