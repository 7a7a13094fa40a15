/**
 * The dashboard's job list and log viewer: any job of the run, filtered by state, label or a part
 * of its id, a page at a time; and the tail of one job's log. The log path comes from the journal,
 * never from the request, so the viewer reads only the logs the run wrote.
 */
import type { JournalReader } from '../engine/journal-read.js';
import { logTail } from '../engine/report.js';
import { JOB_STATES, type JobState } from '../engine/states.js';

export interface JobListItem {
  id: string;
  label: string;
  state: string;
  attempt: number;
  node: string | null;
  worker: string | null;
  /** epoch ms */
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  outcome: string | null;
  message: string | null;
  peakMemoryMB: number | null;
  memoryMB: number;
  hasLog: boolean;
}

export interface JobQuery {
  state?: string;
  label?: string;
  /** a part of the job id */
  q?: string;
  offset?: number;
  limit?: number;
}

export interface JobList {
  /** jobs that match the filter */
  total: number;
  offset: number;
  limit: number;
  jobs: JobListItem[];
}

export interface JobLog {
  job: string;
  label: string;
  state: string;
  logPath: string | null;
  /** the last `lines` lines (at most 256 KB) */
  tail: string;
}

const isState = (s: string): s is JobState => (JOB_STATES as readonly string[]).includes(s);

export function listJobs(j: JournalReader, q: JobQuery): JobList {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.state && isState(q.state)) {
    where.push('state = ?');
    params.push(q.state);
  }
  if (q.label) {
    where.push('label = ?');
    params.push(q.label);
  }
  if (q.q) {
    where.push('instr(id, ?) > 0');
    params.push(q.q);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = Math.min(500, Math.max(1, Math.floor(q.limit ?? 50)));
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const total = (j.db.prepare(`SELECT count(*) AS n FROM jobs ${w}`).get(...params) as { n: number }).n;
  const rows = j.db
    .prepare(
      `SELECT id, label, state, attempt, node, worker_id, started_at, ended_at, exit_code, outcome, message,
              peak_memory, coalesce(memory_mb, request_memory) AS mem, log_path
       FROM jobs ${w} ORDER BY idx LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as {
    id: string;
    label: string;
    state: string;
    attempt: number;
    node: string | null;
    worker_id: string | null;
    started_at: number | null;
    ended_at: number | null;
    exit_code: number | null;
    outcome: string | null;
    message: string | null;
    peak_memory: number | null;
    mem: number;
    log_path: string | null;
  }[];
  return {
    total,
    offset,
    limit,
    jobs: rows.map((r) => ({
      id: r.id,
      label: r.label,
      state: r.state,
      attempt: r.attempt,
      node: r.node,
      worker: r.worker_id,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      exitCode: r.exit_code,
      outcome: r.outcome,
      message: r.message,
      peakMemoryMB: r.peak_memory,
      memoryMB: r.mem,
      hasLog: !!r.log_path,
    })),
  };
}

/** The log tail of one job; undefined when the run has no such job. */
export function jobLog(j: JournalReader, id: string, lines = 200): JobLog | undefined {
  const r = j.db.prepare('SELECT id, label, state, log_path FROM jobs WHERE id = ?').get(id) as
    { id: string; label: string; state: string; log_path: string | null } | undefined;
  if (!r) return undefined;
  const n = Math.min(5000, Math.max(1, Math.floor(lines)));
  return {
    job: r.id,
    label: r.label,
    state: r.state,
    logPath: r.log_path,
    tail: logTail(r.log_path, n, 256 * 1024),
  };
}
