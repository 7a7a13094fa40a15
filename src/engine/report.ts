/**
 * Status and report of a run, read from its journal without the lease (works during a run):
 * data for `--json` and plain-text renderings for the terminal.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import {
  openJournalReadOnly,
  type JournalReader,
  type LabelSummary,
  type StateCounts,
} from './journal-read.js';
import type { LeaseRow } from './lease.js';
import { JOB_STATES } from './states.js';

export interface RunStatusReport {
  submitDir: string;
  name?: string;
  labels: LabelSummary[];
  totals: StateCounts & { total: number };
  /** fraction of jobs in a final state */
  progress: number;
  manager?: LeaseRow;
}

export interface FailureEntry {
  id: string;
  label: string;
  state: string;
  attempt: number;
  outcome: string | null;
  exitCode: number | null;
  signal: string | null;
  message: string | null;
  peakMemoryMB: number | null;
  memoryMB: number | null;
  logPath: string | null;
  logTail: string;
}

export interface LabelResources {
  label: string;
  jobs: number;
  succeeded: number;
  requestMemoryMB: number;
  peakMemoryMB: number;
  medianPeakMemoryMB: number;
  memoryKills: number;
  maxAttempts: number;
  suggestedRequestMemoryMB: number;
  /** run time (s) of the label's succeeded jobs: median, 90th percentile, longest; null before any */
  runTimeSec: { p50: number; p90: number; max: number } | null;
}

/** Completion rate and time left, from the jobs that ended in the last minutes. */
export interface RunEta {
  /** jobs not in a final state (pending, ready, running) */
  remaining: number;
  /** jobs ended per minute over `windowSec` (0 when none ended) */
  perMinute: number;
  windowSec: number;
  /** seconds left at that rate; null when nothing ended yet or nothing is left */
  etaSec: number | null;
  /** epoch ms of the first job start, null before any */
  startedAt: number | null;
}

export interface RunReport extends RunStatusReport {
  failures: FailureEntry[];
  resources: LabelResources[];
}

export function runStatus(submitDir: string): RunStatusReport {
  const j = openJournalReadOnly(submitDir);
  try {
    const labels = j.summaryByLabel();
    const totals = j.totals();
    const final = totals.succeeded + totals.failed + totals.blocked + totals.cancelled;
    const manager = j.lease();
    return {
      submitDir,
      name: j.meta().name,
      labels,
      totals,
      progress: totals.total ? final / totals.total : 1,
      ...(manager ? { manager } : {}),
    };
  } finally {
    j.close();
  }
}

/** Last `bytes` of a log file (empty when it is missing). */
export function logTail(path: string | null, lines = 20, bytes = 8192): string {
  if (!path) return '';
  try {
    const size = statSync(path).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

/** Memory to ask for: 20% over the highest peak seen, rounded up to 64 MB, at least 128 MB. */
export function suggestMemory(peakMB: number, killedAtMB = 0): number {
  const base = Math.max(peakMB * 1.2, killedAtMB * 1.2, 128);
  return Math.ceil(base / 64) * 64;
}

export function runReport(
  submitDir: string,
  opts: { maxFailures?: number; tailLines?: number } = {},
): RunReport {
  const status = runStatus(submitDir);
  const j = openJournalReadOnly(submitDir);
  try {
    const failures = failureEntries(j, opts);
    const resources = labelResources(j);
    return { ...status, failures, resources };
  } finally {
    j.close();
  }
}

/** Failed jobs (at most `maxFailures`, default 50) with the tail of their last attempt's log. */
export function failureEntries(
  j: JournalReader,
  opts: { maxFailures?: number; tailLines?: number } = {},
): FailureEntry[] {
  const max = opts.maxFailures ?? 50;
  if (max <= 0) return [];
  const failed = j.jobs({ state: 'failed', limit: max });
  return failed.map((r) => ({
    id: r.id,
    label: r.label,
    state: r.state,
    attempt: r.attempt,
    outcome: r.outcome,
    exitCode: r.exit_code,
    signal: r.signal,
    message: r.message,
    peakMemoryMB: r.peak_memory,
    memoryMB: r.memory_mb,
    logPath: r.log_path,
    logTail: logTail(r.log_path, opts.tailLines ?? 20),
  }));
}

/** Per label: requested and peak memory, memory kills, attempts, run-time percentiles, advice. */
export function labelResources(j: JournalReader): LabelResources[] {
  const rows = j.db
    .prepare(
      `SELECT label, count(*) AS jobs, sum(state = 'succeeded') AS succeeded, max(request_memory) AS req,
              max(coalesce(peak_memory, 0)) AS peak, max(attempt) AS attempts,
              sum(CASE WHEN outcome = 'memory' OR memory_mb > request_memory THEN 1 ELSE 0 END) AS kills,
              max(CASE WHEN outcome = 'memory' OR memory_mb > request_memory THEN memory_mb ELSE 0 END) AS killedAt
       FROM jobs GROUP BY label ORDER BY min(idx)`,
    )
    .all() as {
    label: string;
    jobs: number;
    succeeded: number;
    req: number;
    peak: number;
    attempts: number;
    kills: number;
    killedAt: number;
  }[];
  return rows.map((r) => {
    const peaks = (
      j.db
        .prepare(
          'SELECT peak_memory AS p FROM jobs WHERE label = ? AND peak_memory IS NOT NULL ORDER BY peak_memory',
        )
        .all(r.label) as {
        p: number;
      }[]
    ).map((x) => x.p);
    const median = peaks.length ? peaks[Math.floor(peaks.length / 2)] : 0;
    const times = (
      j.db
        .prepare(
          `SELECT (ended_at - started_at) / 1000.0 AS d FROM jobs
           WHERE label = ? AND state = 'succeeded' AND started_at IS NOT NULL AND ended_at IS NOT NULL ORDER BY d`,
        )
        .all(r.label) as { d: number }[]
    ).map((x) => x.d);
    return {
      label: r.label,
      jobs: r.jobs,
      succeeded: r.succeeded,
      requestMemoryMB: r.req,
      peakMemoryMB: r.peak,
      medianPeakMemoryMB: median,
      memoryKills: r.kills,
      maxAttempts: r.attempts,
      suggestedRequestMemoryMB: suggestMemory(r.peak, r.kills ? r.killedAt : 0),
      runTimeSec: times.length
        ? { p50: percentile(times, 0.5), p90: percentile(times, 0.9), max: times[times.length - 1] }
        : null,
    };
  });
}

/** Nearest-rank percentile of an ascending array (q in 0..1). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Rate and time left of a run: jobs that ended (succeeded or failed) in the last `windowSec`
 * (shorter at the start of the run) divided into the jobs left.
 */
export function runEta(j: JournalReader, now = Date.now(), windowSec = 300): RunEta {
  const t = j.totals();
  const remaining = t.pending + t.ready + t.running;
  const first = j.db.prepare('SELECT min(started_at) AS s FROM jobs').get() as { s: number | null };
  const startedAt = first.s ?? null;
  if (startedAt === null) return { remaining, perMinute: 0, windowSec: 0, etaSec: null, startedAt };
  const win = Math.max(1, Math.min(windowSec, (now - startedAt) / 1000));
  const ended = j.db
    .prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('succeeded', 'failed') AND ended_at >= ?")
    .get(now - win * 1000) as { n: number };
  const perSec = ended.n / win;
  return {
    remaining,
    perMinute: perSec * 60,
    windowSec: win,
    etaSec: perSec > 0 && remaining > 0 ? remaining / perSec : null,
    startedAt,
  };
}

/** `1h02m`, `3m05s`, `12s` */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function table(head: string[], rows: (string | number)[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r: (string | number)[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export function formatStatus(s: RunStatusReport): string {
  const head = ['label', ...JOB_STATES, 'total'];
  const rows = s.labels.map((l) => [l.label, ...JOB_STATES.map((k) => l[k]), l.total]);
  rows.push(['TOTAL', ...JOB_STATES.map((k) => s.totals[k]), s.totals.total]);
  const mgr = s.manager
    ? `manager: pid ${s.manager.pid} on ${s.manager.host} since ${new Date(s.manager.since).toISOString()}`
    : 'manager: none (the run is not being driven; `quanta restore` continues it)';
  return `${s.submitDir}${s.name ? ` (${s.name})` : ''}\n${table(head, rows)}\nprogress: ${(s.progress * 100).toFixed(1)}% done\n${mgr}\n`;
}

export function formatReport(r: RunReport): string {
  const out = [formatStatus(r)];
  out.push('resources per label (MB):');
  out.push(
    table(
      [
        'label',
        'jobs',
        'requested',
        'peak',
        'median peak',
        'memory kills',
        'max attempts',
        'suggested requestMemory',
        'run time p50/p90/max (s)',
      ],
      r.resources.map((x) => [
        x.label,
        x.jobs,
        x.requestMemoryMB,
        Math.round(x.peakMemoryMB),
        Math.round(x.medianPeakMemoryMB),
        x.memoryKills,
        x.maxAttempts,
        x.suggestedRequestMemoryMB,
        x.runTimeSec
          ? [x.runTimeSec.p50, x.runTimeSec.p90, x.runTimeSec.max].map((v) => v.toFixed(1)).join('/')
          : '-',
      ]),
    ),
  );
  if (r.failures.length === 0) out.push('\nno failed jobs');
  for (const f of r.failures) {
    out.push(
      `\nFAILED ${f.id} (${f.label}) after ${f.attempt} attempt(s): ${f.message ?? f.outcome ?? 'failed'}` +
        `${f.peakMemoryMB ? `; peak ${Math.round(f.peakMemoryMB)} MB of ${f.memoryMB} MB` : ''}\n  log: ${f.logPath ?? '(none)'}`,
    );
    if (f.logTail)
      out.push(
        f.logTail
          .split('\n')
          .map((l) => `  | ${l}`)
          .join('\n'),
      );
  }
  return `${out.join('\n')}\n`;
}
