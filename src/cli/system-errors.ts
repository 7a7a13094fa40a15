/**
 * The last line of defence of the CLI: errors of the machine rather than of quanta (a full disk,
 * a read-only file system, a SQLite database that fails) that reached the top without a
 * QuantaError of their own become one, so the user reads one paragraph that names the file and
 * says what to do, not a stack trace. Anything else still crashes loudly (a programming error).
 */
import Database from 'better-sqlite3';
import { QuantaError } from '../errors.js';

const READ_ONLY = new Set(['EROFS', 'EPERM', 'EACCES']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === 'string' && 'syscall' in e;
}

/** A QuantaError for a system or SQLite error, or undefined when `e` is neither. */
export function systemError(e: unknown): QuantaError | undefined {
  if (e instanceof Database.SqliteError) {
    const reason = `${e.message} (${e.code})`;
    if (e.code === 'SQLITE_FULL') {
      return new QuantaError(
        'DISK_FULL',
        `cannot write a SQLite database (a run's journal or a repository's registry): ${reason}. Free space on its file system (or raise the quota) and run the command again (a run goes on with \`quanta restore SUBMIT_DIR\`).`,
      );
    }
    const hint =
      e.code.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_NOTADB'
        ? "a run's journal.sqlite3 or a repository's registry is damaged: restore it from a backup; a run's journal can be moved aside and the run restored from its workflow.json (every job runs again)"
        : 'check that the file and its directory exist, are writable by you and their file system has space';
    return new QuantaError('DATABASE_ERROR', `a SQLite database failed: ${reason}; ${hint}.`);
  }
  if (!isSystemError(e)) return undefined;
  const path = e.path ?? '';
  const what = `${e.syscall ?? 'access'} ${path}`.trim();
  if (FULL.has(e.code)) {
    return new QuantaError(
      'DISK_FULL',
      `cannot ${what}: the file system is full (${e.code}). Free space there (or raise the quota) and run the command again.`,
      { file: path || undefined },
    );
  }
  if (READ_ONLY.has(e.code)) {
    return new QuantaError(
      'FILE_NOT_WRITABLE',
      `cannot ${what} (${e.message}): it is on a read-only file system or not writable by you. Make it writable, or work on a copy in a writable place (for a submit dir: \`cp -a DIR COPY\`, then give the copy).`,
      { file: path || undefined },
    );
  }
  return undefined;
}
