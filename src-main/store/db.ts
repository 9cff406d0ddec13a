import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LabError } from '../api/errors';
import { migrations, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

/**
 * Where the CLI and serve mode keep the database: --db, else ATTENTION_LAB_DB,
 * else $XDG_DATA_HOME/attention-lab/lab.db. (The Electron shell passes its userData path.)
 */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATTENTION_LAB_DB) return resolve(env.ATTENTION_LAB_DB);
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'attention-lab', 'lab.db');
}

export interface OpenOptions {
  /** Apply pending migrations (default). A reader that must not write passes false. */
  migrate?: boolean;
  readonly?: boolean;
}

export function openDb(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    // busy_timeout first: a trainer may hold the write lock for a moment.
    db.pragma('busy_timeout = 5000');
    checkVersion(db, path); // before anything that writes: a newer database stays byte-for-byte as it was
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable at checkpoints, never corrupt
    if (opts.migrate !== false && !opts.readonly) migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkVersion(db: Db, path: string): void {
  const v = schemaVersion(db);
  if (v > SCHEMA_VERSION)
    throw new LabError(
      'unsupported',
      `database ${path} has schema version ${v}, newer than this Attention Lab knows (${SCHEMA_VERSION}); ` +
        'it was left untouched — open it with a newer version of the lab',
    );
}

/** Brings the database to SCHEMA_VERSION, one transaction per step; stops at the first failure. */
export function migrate(db: Db, steps: readonly string[] = migrations): number {
  let v = schemaVersion(db);
  while (v < steps.length) {
    const next = v + 1;
    try {
      db.transaction(() => {
        db.exec(steps[v]);
        db.pragma(`user_version = ${next}`);
      }).immediate();
    } catch (e) {
      throw new LabError('internal', `migration ${next} failed and was rolled back (schema stays at version ${v}): ${(e as Error).message}`);
    }
    v = next;
  }
  return v;
}

export const now = (): string => new Date().toISOString();
