import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError } from '../api/errors';
import { chooseBinding } from './binding';
import { migrations, SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;
/** The database is a file (not ':memory:' or a temporary one): other processes can open it, files can sit beside it. */
export const onDisk = (db: Db): boolean => db.name !== ':memory:' && db.name !== '';

/** The better-sqlite3 build this process opens (chosen once: it depends only on the runtime). */
let binding: { file: string | undefined } | null = null;

export interface OpenOptions {
  /** Apply pending migrations (default). A reader that must not write passes false. */
  migrate?: boolean;
  readonly?: boolean;
}

export function openDb(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') checkPath(path, opts.readonly ?? false);
  binding ??= { file: chooseBinding() }; // under Electron: its own build, or a LabError naming the fix
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, nativeBinding: binding.file });
  } catch (e) {
    throw openError(path, e);
  }
  try {
    // busy_timeout first: another door (the CLI importing, say) may hold the write lock for a while.
    db.pragma('busy_timeout = 5000');
    checkVersion(db, path); // before anything that writes: a newer database stays byte-for-byte as it was
    if (!opts.readonly && isEmpty(db)) {
      // set before the first table and before WAL (neither can change later without a VACUUM):
      // 16 KiB pages hold a run's packed 50-epoch series seven to a page instead of one per
      // overflow page, and freed pages go back to the file system (incremental vacuum)
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable at checkpoints, never corrupt
    if (opts.migrate !== false && !opts.readonly) migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e instanceof LabError ? e : openError(path, e);
  }
}

/**
 * What can be wrong with a database path, said before SQLite says it less plainly: a
 * folder, a folder that cannot be made or written (SQLite's WAL needs files beside the
 * database), a read-only file. Refused at open, so no long work starts that cannot be stored.
 */
function checkPath(path: string, readonly: boolean): void {
  const dir = dirname(path);
  let st;
  try {
    st = statSync(path);
  } catch {
    /* a new database */
  }
  if (st?.isDirectory()) throw new LabError('invalid_input', `database ${path} is a folder, not a file: name a file such as ${join(path, 'lab.db')}`);
  if (readonly) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new LabError('invalid_input', `database ${path}: its folder ${dir} cannot be created (${errnoWords(e)})`);
  }
  const readOnly = (e: unknown) => ((e as NodeJS.ErrnoException).code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user');
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new LabError('invalid_input', `database ${path}: its folder ${dir} ${readOnly(e)}, and the lab writes its journal there — choose a database in a folder you can write`);
  }
  if (st) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new LabError('invalid_input', `database ${path} ${readOnly(e)}: make it writable, or copy it somewhere you can write`);
    }
  }
}

/** SQLite's and the file system's errors at open, in words that name the file and what to do. */
function openError(path: string, e: unknown): LabError {
  const code = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  if (code === 'SQLITE_NOTADB') return new LabError('invalid_input', `${path} is not an Attention Lab database (it is not an SQLite file); it was left untouched`);
  if (code.startsWith('SQLITE_CORRUPT')) return new LabError('invalid_input', `database ${path} is damaged (${msg}); it was left untouched — restore it from a backup, or try \`sqlite3 ${path} .recover\``);
  if (code.startsWith('SQLITE_READONLY')) return new LabError('invalid_input', `database ${path} cannot be written (${msg})`);
  if (code.startsWith('SQLITE_CANTOPEN')) return new LabError('invalid_input', `database ${path} cannot be opened: ${errnoWords(e)}`);
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE') return new LabError('internal', `database ${path}: the disk is full (${msg})`);
  return new LabError('internal', `database ${path} cannot be opened: ${msg}`);
}

const errnoWords = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', ENOENT: 'no such file or folder', EROFS: 'the file system is read-only', ENOSPC: 'no space left on device', ENOTDIR: 'a part of the path is a file, not a folder' };
  return (err.code && words[err.code]) ?? err.message ?? String(e);
};

/**
 * Runs fn in one transaction that takes the write lock first (BEGIN IMMEDIATE). A deferred
 * transaction that reads and then writes cannot wait for another writer: SQLite answers
 * SQLITE_BUSY at once. IMMEDIATE waits up to the busy timeout instead. Nested calls become
 * savepoints of the outer one, so the outermost must be this.
 */
export function writeTx<T>(db: Db, fn: () => T): T {
  return db.inTransaction ? db.transaction(fn)() : db.transaction(fn).immediate();
}

/** SQLite's "another process holds the lock" after the busy timeout ran out. */
export const isBusy = (e: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string }).code ?? '');

/**
 * Retries a write that met another writer's lock after the busy timeout, with backoff,
 * for up to `totalMs`. The wait between tries is asynchronous, so the event loop (the API
 * of serve mode, the app's window) stays responsive while a long import holds the lock.
 */
export async function retryBusy<T>(fn: () => T, totalMs = 120_000): Promise<T> {
  const t0 = Date.now();
  for (let wait = 50; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() - t0 + wait > totalMs) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export const PAGE_SIZE = 16_384;
const isEmpty = (db: Db) => schemaVersion(db) === 0 && !db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();

/** Gives free pages back to the file system, if the database was made (or compacted) with incremental vacuum. */
export function releaseFreePages(db: Db): void {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) db.pragma('incremental_vacuum');
}

/**
 * Rewrites the whole database into a new file (VACUUM): the page size and incremental
 * vacuum of a new database, every page full, every free page gone. A database made before
 * these settings gets them here. Needs no other connection writing; takes a while on big stores.
 */
export function compactDb(db: Db): { before: number; after: number } {
  const size = () => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const before = size();
  const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
  if (wal) db.pragma('journal_mode = DELETE'); // the page size cannot change in WAL mode
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } finally {
    if (wal) db.pragma('journal_mode = WAL');
  }
  return { before, after: size() };
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

const statements = new WeakMap<Db, Map<string, Database.Statement>>();
/** A statement prepared once per database: on paths taken per event, preparing costs more than a small insert. */
export function cached(db: Db, sql: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** SQLite's "database or disk is full". */
export const isFull = (e: unknown): boolean => /^SQLITE_FULL/.test((e as { code?: string }).code ?? '');

/**
 * A few MiB kept beside the database (`lab.db-reserve`) so that a disk filled by a run's
 * checkpoints or another program still has room to record why the run stopped: the reserve
 * is given back at that moment, and made again the next time the lab opens the database.
 */
const RESERVE_BYTES = 4 * 1024 * 1024;
const reservePath = (db: Db) => `${db.name}-reserve`;
export function keepReserve(db: Db): void {
  try {
    if (!existsSync(reservePath(db))) writeFileSync(reservePath(db), Buffer.alloc(RESERVE_BYTES)); // zeros, written: blocks really held
  } catch {
    rmSync(reservePath(db), { force: true }); // no room even for that: keep nothing half-written
  }
}
/** Gives the reserve back; false when there was none. */
export function releaseReserve(db: Db): boolean {
  if (!existsSync(reservePath(db))) return false;
  rmSync(reservePath(db), { force: true });
  return true;
}
