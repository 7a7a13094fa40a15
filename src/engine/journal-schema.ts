/** The journal's SQL schema (`<submitDir>/journal.sqlite3`). One row per job; see docs/engine.md. */
import { join } from 'node:path';

export const JOURNAL_FILE = 'journal.sqlite3';

export function journalPath(submitDir: string): string {
  return join(submitDir, JOURNAL_FILE);
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  idx INTEGER PRIMARY KEY,          -- position in the workflow's job list
  id TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  state TEXT NOT NULL,              -- pending ready running succeeded failed blocked cancelled
  attempt INTEGER NOT NULL DEFAULT 0, -- dispatches so far (each has its own number and log)
  failures INTEGER NOT NULL DEFAULT 0, -- the job's own failures (what numberOfRetries bounds)
  request_memory REAL NOT NULL,     -- MB, as the workflow asks
  request_cpus REAL NOT NULL,
  memory_mb REAL,                   -- MB of the latest attempt (raised by memory retries)
  peak_memory REAL,                 -- MB, highest peak over attempts
  worker_id TEXT,
  node TEXT,
  ready_at INTEGER,                 -- epoch ms
  started_at INTEGER,
  ended_at INTEGER,
  exit_code INTEGER,
  signal TEXT,
  outcome TEXT,                     -- outcome of the latest attempt (succeeded failed memory timeout lost cancelled)
  message TEXT,
  log_path TEXT
);
CREATE INDEX IF NOT EXISTS jobs_label_state ON jobs (label, state);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,              -- epoch ms
  kind TEXT NOT NULL,               -- job | worker-join | worker-leave | run
  job_id TEXT,
  state TEXT,
  worker_id TEXT,
  data TEXT                         -- JSON details (attempt, memory, cores, message, ...)
);
CREATE TABLE IF NOT EXISTS workers (
  id TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  memory_mb REAL NOT NULL,
  cores REAL NOT NULL,
  joined_at INTEGER NOT NULL,
  left_at INTEGER,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  since INTEGER NOT NULL,
  heartbeat INTEGER NOT NULL,
  token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,               -- cancel
  ts INTEGER NOT NULL,
  host TEXT,
  pid INTEGER,
  handled INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * Columns added to `jobs` after journals were first written, with how an older journal gets them
 * (journal.ts adds them when the manager opens it). `failures` of an old journal: one per retry
 * event, plus the final failure of a job that failed on its own.
 */
export const JOB_COLUMN_MIGRATIONS: readonly { column: string; sql: readonly string[] }[] = [
  {
    column: 'failures',
    sql: [
      'ALTER TABLE jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0',
      // retries per job in one pass over the events (a correlated count would scan them per job)
      `CREATE TEMP TABLE retries_per_job (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
      `INSERT INTO retries_per_job SELECT job_id, count(*) FROM events
         WHERE kind = 'job' AND job_id IS NOT NULL AND json_valid(data) AND json_extract(data, '$.retry') IS NOT NULL
         GROUP BY job_id`,
      `UPDATE jobs SET failures = coalesce((SELECT n FROM retries_per_job r WHERE r.id = jobs.id), 0)
         + (state = 'failed' AND coalesce(outcome, '') IN ('failed', 'memory', 'timeout') AND attempt > 0)`,
      'DROP TABLE retries_per_job',
    ],
  },
];
