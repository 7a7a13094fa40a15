/**
 * Read API of the journal for status, report and the dashboard. Opens the database read-only and
 * never takes the lease, so it works while a manager runs.
 *
 * @example
 * ```ts
 * const j = openJournalReadOnly('submit/u/me/run');
 * console.table(j.summaryByLabel());
 * j.close();
 * ```
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { EngineError } from '../errors.js';
import { checkComplete } from '../qgraph/incomplete.js';
import { openJournalDb } from './journal-file.js';
import { journalPath } from './journal-schema.js';
import { openPreparedJournal } from './prepared-journal.js';
import { readLease, type LeaseRow } from './lease.js';
import { JOB_STATES, type JobState } from './states.js';

export type StateCounts = Record<JobState, number>;

export interface LabelSummary extends StateCounts {
  label: string;
  total: number;
  /** highest peak memory (MB) over the label's jobs */
  peakMemoryMB: number;
  /** memory requested (MB) by the label's jobs (the largest) */
  requestMemoryMB: number;
}

export interface JobRow {
  idx: number;
  id: string;
  label: string;
  state: JobState;
  /** dispatches so far: attempt N logs to `<id>.N.log` */
  attempt: number;
  /** the job's own failures (what numberOfRetries bounds); absent from a journal of an older quanta no manager reopened */
  failures?: number;
  request_memory: number;
  request_cpus: number;
  memory_mb: number | null;
  peak_memory: number | null;
  worker_id: string | null;
  node: string | null;
  ready_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  outcome: string | null;
  message: string | null;
  log_path: string | null;
}

export interface EventRow {
  id: number;
  ts: number;
  kind: string;
  job_id: string | null;
  state: string | null;
  worker_id: string | null;
  data: unknown;
}

export interface WorkerRow {
  id: string;
  node: string;
  memory_mb: number;
  cores: number;
  joined_at: number;
  left_at: number | null;
  reason: string | null;
}

export function emptyCounts(): StateCounts {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as StateCounts;
}

export class JournalReader {
  constructor(
    readonly submitDir: string,
    readonly db: Database.Database,
    /** how to close it (a journal read from a copy removes the copy): default db.close() */
    private readonly onClose: () => void = () => db.close(),
  ) {}

  meta(): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /**
   * Per label: counts by state, total, peak and requested memory. Labels in first-appearance order.
   * `running` counts jobs that started; one a worker holds queued counts as `ready`.
   */
  summaryByLabel(): LabelSummary[] {
    const rows = this.db
      .prepare(
        // a job dispatched to a worker that holds it queued (prefetch) is `running` with no
        // start time in the journal: it counts as ready until it starts
        `SELECT label, CASE WHEN state = 'running' AND started_at IS NULL THEN 'ready' ELSE state END AS state,
                count(*) AS n, max(coalesce(peak_memory, 0)) AS peak, max(request_memory) AS req, min(idx) AS first
         FROM jobs GROUP BY 1, 2`,
      )
      .all() as { label: string; state: JobState; n: number; peak: number; req: number; first: number }[];
    const by = new Map<string, LabelSummary & { first: number }>();
    for (const r of rows) {
      let s = by.get(r.label);
      if (!s) {
        s = {
          label: r.label,
          ...emptyCounts(),
          total: 0,
          peakMemoryMB: 0,
          requestMemoryMB: 0,
          first: r.first,
        };
        by.set(r.label, s);
      }
      s[r.state] += r.n;
      s.total += r.n;
      s.peakMemoryMB = Math.max(s.peakMemoryMB, r.peak);
      s.requestMemoryMB = Math.max(s.requestMemoryMB, r.req);
      s.first = Math.min(s.first, r.first);
    }
    return [...by.values()].sort((a, b) => a.first - b.first).map(({ first: _f, ...s }) => s);
  }

  /** Overall counts by state. */
  totals(): StateCounts & { total: number } {
    const t = { ...emptyCounts(), total: 0 };
    for (const s of this.summaryByLabel()) {
      for (const k of JOB_STATES) t[k] += s[k];
      t.total += s.total;
    }
    return t;
  }

  jobs(filter: { state?: JobState | JobState[]; label?: string; limit?: number } = {}): JobRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) {
      const states = Array.isArray(filter.state) ? filter.state : [filter.state];
      where.push(`state IN (${states.map(() => '?').join(',')})`);
      params.push(...states);
    }
    if (filter.label) {
      where.push('label = ?');
      params.push(filter.label);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY idx${
      filter.limit ? ` LIMIT ${Math.floor(filter.limit)}` : ''
    }`;
    return this.db.prepare(sql).all(...params) as JobRow[];
  }

  /** Events with id > sinceId, oldest first (the dashboard polls with the last id it saw). */
  events(sinceId = 0, limit = 10_000): EventRow[] {
    const rows = this.db
      .prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?')
      .all(sinceId, limit) as (Omit<EventRow, 'data'> & { data: string | null })[];
    return rows.map((r) => ({ ...r, data: r.data ? (JSON.parse(r.data) as unknown) : null }));
  }

  workers(): WorkerRow[] {
    return this.db.prepare('SELECT * FROM workers ORDER BY joined_at').all() as WorkerRow[];
  }

  lease(): LeaseRow | undefined {
    return readLease(this.db);
  }

  close(): void {
    this.onClose();
  }
}

/**
 * Open a run's journal for reading (no lease). A prepared run that has not started yet (a
 * workflow.json, no journal) reads as its journal before the first start: every job pending
 * (prepared-journal.ts). Throws EngineError when there is neither.
 */
export function openJournalReadOnly(submitDir: string): JournalReader {
  const file = journalPath(submitDir);
  checkComplete(submitDir);
  if (!existsSync(file)) {
    const prepared = openPreparedJournal(submitDir);
    if (prepared) return new JournalReader(submitDir, prepared);
    throw new EngineError(
      'NO_JOURNAL',
      `${submitDir} is not a submit directory (no ${file}); give the directory a run was started in`,
      {
        file: submitDir,
      },
    );
  }
  // an empty, damaged or unreadable journal is a JOURNAL_* error (journal-file.ts)
  const { db, close } = openJournalDb(submitDir);
  return new JournalReader(submitDir, db, close);
}
