import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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
const nodeRequire = createRequire(import.meta.url); // not `require`: the bundler's ESM shim declares that one
let spare: Trainer | null = null;

/**
 * The trainer entry: the bundled trainer.js beside the built main process; from source,
 * the trainer bundled by esbuild into node_modules/.cache (once per change of src-main),
 * since tsx's transpile-on-load cost a trainer 0.5–1.5 s of its start; else the source through tsx.
 */
function trainerEntry(): { path: string; execArgv: string[] } {
  const built = join(here, 'trainer.js');
  if (existsSync(built)) return { path: built, execArgv: [] };
  const bundled = bundleTrainer();
  if (bundled) return { path: bundled, execArgv: [] };
  return { path: join(here, 'trainer.ts'), execArgv: ['--import', pathToFileURL(nodeRequire.resolve('tsx')).href] };
}

/** The source trainer as one ES module, named by the sources' sizes and times (null if it cannot be built or written). */
function bundleTrainer(): string | null {
  try {
    const src = join(here, '..'), stamp = createHash('sha256');
    for (const f of (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort()) {
      const st = statSync(join(src, f));
      stamp.update(`${f}:${st.size}:${st.mtimeMs};`);
    }
    const dir = join(src, '..', 'node_modules', '.cache', 'attention-lab');
    const out = join(dir, `trainer-${stamp.digest('hex').slice(0, 16)}.mjs`);
    if (existsSync(out)) return out;
    const { buildSync } = nodeRequire('esbuild') as typeof import('esbuild');
    mkdirSync(dir, { recursive: true });
    // the newest few are kept: checkouts of other versions may share this node_modules
    const bundles = readdirSync(dir).filter((f) => f.startsWith('trainer-')).map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of bundles.slice(3)) rmSync(join(dir, f), { force: true });
    buildSync({
      entryPoints: [join(here, 'trainer.ts')], outfile: `${out}.${process.pid}.tmp.mjs`, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      packages: 'external', logLevel: 'silent', banner: { js: "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);" },
    });
    renameSync(`${out}.${process.pid}.tmp.mjs`, out); // whole, even if another lab builds the same bundle at once
    return out;
  } catch {
    return null;
  }
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
