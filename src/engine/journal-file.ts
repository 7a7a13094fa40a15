/**
 * The journal file before and around opening it: a 0-byte, truncated or foreign file is refused
 * with a JOURNAL_* error that says how to recover, and SQLite's and the file system's errors
 * (corrupt, read-only, disk full) become one-paragraph errors that name the journal, instead of
 * a stack trace. The checks read the 100-byte SQLite header only, so they cost nothing on a large
 * journal (status and the dashboard open it on every call).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from '../errors.js';
import { quantaCommand } from '../util/cli-hint.js';
import { journalPath, SCHEMA } from './journal-schema.js';

const MAGIC = 'SQLite format 3\u0000';

/** How to start the run over from its workflow.json, keeping the damaged journal aside. */
function moveAside(submitDir: string, suffix: string): string {
  const file = journalPath(submitDir);
  return `move it aside (\`mv ${file} ${file}.${suffix}\`, and its -wal and -shm files if any) and run \`${quantaCommand(`restore ${submitDir}`)}\`: the run starts again from ${submitDir}/workflow.json and every job runs again, those that had finished included`;
}

/**
 * Refuse a journal file that exists but cannot be a journal: empty (0 bytes), shorter than its
 * own header says (truncated), or not SQLite at all. A missing file is not checked (a new run).
 */
export function checkJournalFile(submitDir: string): void {
  const file = journalPath(submitDir);
  if (!existsSync(file)) return;
  const size = statSync(file).size;
  if (size === 0) {
    const wal = `${file}-wal`;
    // a main file still empty with a live WAL beside it is SQLite's own business, not damage
    if (existsSync(wal) && statSync(wal).size > 0) return;
    throw new EngineError(
      'JOURNAL_EMPTY',
      `the journal ${file} is empty (0 bytes): it was truncated or never written (a full disk, a failed copy), so quanta cannot tell which jobs finished, and restoring from it would run every job again. Restore the file from a backup if you have one; otherwise ${moveAside(submitDir, 'empty')}.`,
      { file },
    );
  }
  const head = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 100 || head.toString('latin1', 0, 16) !== MAGIC) {
    throw corrupt(submitDir, `it is not a SQLite database (${size} bytes, no SQLite header)`);
  }
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  // the page count in the header is valid when its change counter matches "version valid for"
  const pages = head.readUInt32BE(24) === head.readUInt32BE(92) ? head.readUInt32BE(28) : 0;
  if (pages > 0 && size < pages * pageSize) {
    throw corrupt(submitDir, `it is truncated: ${size} bytes of the ${pages * pageSize} its header gives`);
  }
}

function corrupt(submitDir: string, what: string): EngineError {
  const file = journalPath(submitDir);
  return new EngineError(
    'JOURNAL_CORRUPT',
    `the journal ${file} is damaged: ${what}, so quanta cannot tell which jobs finished. Restore the file from a backup if you have one; otherwise ${moveAside(submitDir, 'damaged')}.`,
    { file },
  );
}

/**
 * The journal file of `submitDir`, made first if there is none. A new journal appears whole: it
 * is written under a temporary name (WAL mode, schema) and linked into place, so a crash or a
 * full disk while it is made never leaves a 0-byte journal (which restore refuses). The link
 * fails if another manager got there first; its journal is then the one opened.
 */
export function createJournalFile(submitDir: string): string {
  const file = journalPath(submitDir);
  if (existsSync(file)) return file;
  const tmp = `${file}.new-${process.pid}`;
  try {
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = WAL');
      db.exec(SCHEMA);
    } finally {
      db.close();
    }
    try {
      linkSync(tmp, file);
    } catch (e) {
      // a file system without hard links: rename (only a same-millisecond race could clobber)
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') renameSync(tmp, file);
    }
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(f, { force: true });
  }
  return file;
}

const READ_ONLY = new Set(['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH']);
const READ_ONLY_ERRNO = new Set(['EROFS', 'EPERM', 'EACCES']);
const FULL = new Set(['SQLITE_FULL']);
const FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);

function codeOf(e: unknown): string {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
}

/**
 * The user's error for a failure while opening the journal of `submitDir` (`mode` says whether
 * it was opened to write, by a manager, or to read, by status/report/the dashboard); errors that
 * are not about the file come back unchanged.
 */
export function journalError(e: unknown, submitDir: string, mode: 'read' | 'write'): unknown {
  if (e instanceof EngineError) return e;
  const code = codeOf(e);
  const file = journalPath(submitDir);
  const reason = `${(e as Error).message} (${code})`;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return corrupt(submitDir, reason);
  if (FULL.has(code) || FULL_ERRNO.has(code) || (code.startsWith('SQLITE_IOERR') && diskFull(submitDir))) {
    return new EngineError(
      'DISK_FULL',
      `cannot ${mode} the journal ${file}: the file system of ${submitDir} is full (${reason}). Free space there (or raise the quota) and run the command again; the journal is unchanged.`,
      { file },
    );
  }
  if (READ_ONLY.has(code) || READ_ONLY_ERRNO.has(code) || code.startsWith('SQLITE_IOERR')) {
    const what =
      mode === 'write'
        ? 'a manager writes its journal and logs in the submit dir, so restore needs it writable'
        : 'reading a journal needs its directory writable (SQLite creates journal.sqlite3-shm beside it) unless the run ended cleanly';
    return new EngineError(
      'JOURNAL_READONLY',
      `cannot ${mode} the journal ${file} (${reason}): ${submitDir} is read-only to you (a read-only or immutable file system, or permissions); ${what}. Make it writable, or copy the submit dir somewhere writable (\`cp -a ${submitDir} COPY\`) and give the copy.`,
      { file },
    );
  }
  return e;
}

/** Whether the file system of `dir` has (almost) no space left: an I/O error there is that. */
function diskFull(dir: string): boolean {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

export interface OpenedJournalDb {
  db: Database.Database;
  /** closes the database and removes what opening it made */
  close: () => void;
}

/** The journal's tables are there (a SQLite file that is not a journal has none). */
function validated(db: Database.Database, submitDir: string): Database.Database {
  try {
    const jobs = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get();
    if (!jobs) throw corrupt(submitDir, 'it is a SQLite database without the jobs table of a journal');
    db.prepare('SELECT idx FROM jobs LIMIT 1').get();
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Open the journal of `submitDir` read-only (status, report, the dashboard). When the directory
 * is read-only to us (SQLite cannot make journal.sqlite3-shm there: a read-only file system, an
 * immutable or another user's dir, a full disk), a copy of the journal and its WAL in the temp
 * dir is read instead. Errors are JOURNAL_* (journalError).
 */
export function openJournalDb(submitDir: string): OpenedJournalDb {
  checkJournalFile(submitDir);
  const file = journalPath(submitDir);
  try {
    const db = validated(new Database(file, { readonly: true, fileMustExist: true }), submitDir);
    db.pragma('busy_timeout = 10000');
    return { db, close: () => db.close() };
  } catch (e) {
    const code = codeOf(e);
    if (!(READ_ONLY.has(code) || code.startsWith('SQLITE_IOERR'))) throw journalError(e, submitDir, 'read');
    try {
      return readCopy(submitDir);
    } catch {
      throw journalError(e, submitDir, 'read');
    }
  }
}

function readCopy(submitDir: string): OpenedJournalDb {
  const file = journalPath(submitDir);
  const dir = mkdtempSync(join(tmpdir(), 'quanta-journal-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, 'journal.sqlite3');
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const db = validated(new Database(copy, { readonly: true, fileMustExist: true }), submitDir);
    return {
      db,
      close: () => {
        db.close();
        remove();
      },
    };
  } catch (e) {
    remove();
    throw e;
  }
}

/** `e` is one of better-sqlite3's errors. */
export function isSqliteError(e: unknown): e is Error & { code: string } {
  return e instanceof Database.SqliteError;
}
