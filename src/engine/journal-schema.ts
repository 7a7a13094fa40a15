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
  attempt INTEGER NOT NULL DEFAULT 0,
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
