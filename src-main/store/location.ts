import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError } from '../api/errors';

/**
 * One lab, one database: every door (desktop app, serve mode, CLI) opens the same default
 * database in the platform's data folder, and another only when asked — `--db PATH`
 * (the door passes it), ATTENTION_LAB_DB, or the database chosen in the app (settings.json).
 */
export interface Place { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; home: string }
const here = (): Place => ({ env: process.env, platform: process.platform, home: homedir() });

/** The lab's data folder: XDG on Linux, Application Support on macOS, AppData on Windows. */
export function dataDir(p: Place = here()): string {
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support', 'Attention Lab');
  if (p.platform === 'win32') return join(p.env.APPDATA || join(p.home, 'AppData', 'Roaming'), 'Attention Lab');
  return join(p.env.XDG_DATA_HOME || join(p.home, '.local', 'share'), 'attention-lab');
}

const settingsFile = (p: Place) => join(dataDir(p), 'settings.json');

function readSettings(p: Place): { database?: string } {
  let text: string;
  try { text = readFileSync(settingsFile(p), 'utf8'); } catch { return {}; }
  try {
    const s = JSON.parse(text) as unknown;
    return s && typeof s === 'object' ? (s as { database?: string }) : {};
  } catch {
    throw new LabError('invalid_input', `${settingsFile(p)} is not valid JSON; fix or delete it (it only names the database the app opens)`);
  }
}

/** The database a door opens when not given --db: ATTENTION_LAB_DB, else the app's choice, else the default. */
export function defaultDbPath(p: Place = here()): string {
  if (p.env.ATTENTION_LAB_DB) return resolve(p.env.ATTENTION_LAB_DB);
  const chosen = readSettings(p).database;
  if (typeof chosen === 'string' && chosen) return chosen;
  return join(dataDir(p), 'lab.db');
}

/** Remembers the database chosen in the app for every door (null: back to the default). Written whole, then renamed. */
export function chooseDatabase(path: string | null, p: Place = here()): void {
  const { database: _old, ...rest } = readSettings(p);
  mkdirSync(dataDir(p), { recursive: true });
  const tmp = `${settingsFile(p)}.tmp`;
  writeFileSync(tmp, JSON.stringify(path ? { ...rest, database: resolve(path) } : rest, null, 2) + '\n');
  renameSync(tmp, settingsFile(p));
}
