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
import { holderGone, type LeaseRow } from './lease.js';
import { managerLine, type BatchJobState } from './manager-line.js';
import { PREPARED_META } from './prepared-journal.js';
import { causeOf, failureGroups, type FailureGroup } from './failure-groups.js';
import { quantaStatus, type QuantaStatus } from './cluster-quanta.js';
import { drivenTime } from './sessions.js';
import { JOB_STATES } from './states.js';

export interface RunStatusReport {
  submitDir: string;
  name?: string;
  labels: LabelSummary[];
  totals: StateCounts & { total: number };
  /** fraction of jobs done: succeeded, failed or blocked (a cancelled job is not done: restore runs it) */
  progress: number;
  manager?: LeaseRow;
  /** why the manager holding the lease is gone (manager-line.ts): it drives nothing */
  managerGone?: string;
  /** the run has not started (a prepared submit dir: no journal yet, every job pending) */
  prepared?: boolean;
  /** the run's latest Slurm batch job, when the caller asked Slurm (`quanta status`) */
  batchJob?: BatchJobState;
  /** a clustered run (bps `cluster:`): its quanta per task label; `labels` counts its jobs */
  quanta?: QuantaStatus;
}

export interface FailureEntry {
  id: string;
  label: string;
  state: string;
  /** dispatches (lost and interrupted ones included) */
  attempt: number;
  /** the job's own failures (what numberOfRetries bounds); null when the journal predates them */
  failures: number | null;
  /** as in the failure groups: memory, timeout, exit 4, signal SIGSEGV, ... */
  cause: string;
  outcome: string | null;
  exitCode: number | null;
  signal: string | null;
  message: string | null;
  /** highest peak (MB) over the job's attempts: the one figure the report and the dashboard show */
  peakMemoryMB: number | null;
  /** memory (MB) the last attempt ran with */
  memoryMB: number | null;
  logPath: string | null;
  logTail: string;
  /** `exceeded 150 MB; peak 227 MB of 150 MB`: what the report and the dashboard print */
  summary: string;
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
  /** null for a label none of whose jobs ended (nothing measured: no advice) */
  suggestedRequestMemoryMB: number | null;
  /** run time (s) of the label's succeeded jobs: median, 90th percentile, longest; null before any */
  runTimeSec: { p50: number; p90: number; max: number } | null;
}

/** Completion rate and time left, counted over the time a manager drove the run (sessions.ts). */
export interface RunEta {
  /** jobs not in a final state (pending, ready, running) */
  remaining: number;
  /** jobs ended (succeeded or failed) per minute of driven time, over the whole run */
  perMinute: number;
  /** jobs ended per minute over the last `windowSec` of the session driving the run (0 when none is) */
  recentPerMinute: number;
  windowSec: number;
  /** seconds left at the recent rate (the overall one early on); null when not driven or nothing is left */
  etaSec: number | null;
  /** epoch ms of the first session's start (or the first job start), null before any */
  startedAt: number | null;
  /** seconds a manager drove the run, restores added up, waits between them left out */
  drivenSec: number;
  /** epoch ms the run stopped being driven (its end, or its manager's death); null while driven */
  endedAt: number | null;
  /** manager sessions: the first start and each restore */
  sessions: number;
}

export interface RunReport extends RunStatusReport {
  /** every failed job, grouped by label and cause, with the setting that fixes the group */
  failureGroups: FailureGroup[];
  failures: FailureEntry[];
  resources: LabelResources[];
}

export function runStatus(submitDir: string): RunStatusReport {
  const j = openJournalReadOnly(submitDir);
  try {
    const labels = j.summaryByLabel();
    const totals = j.totals();
    const done = totals.succeeded + totals.failed + totals.blocked;
    const manager = j.lease();
    const gone = manager ? holderGone(manager, 60) : undefined;
    const meta = j.meta();
    const quanta = quantaStatus(submitDir, () => j.jobs());
    return {
      submitDir,
      name: meta.name,
      labels,
      totals,
      ...(quanta ? { quanta } : {}),
      progress: totals.total ? done / totals.total : 1,
      ...(manager ? { manager } : {}),
      ...(gone ? { managerGone: gone } : {}),
      ...(meta[PREPARED_META] ? { prepared: true } : {}),
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
    return { ...status, failureGroups: failureGroups(j), failures, resources };
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
  return failed.map((r) =>
    withSummary({
      id: r.id,
      label: r.label,
      state: r.state,
      attempt: r.attempt,
      failures: r.failures ?? null,
      cause: causeOf(r),
      outcome: r.outcome,
      exitCode: r.exit_code,
      signal: r.signal,
      message: r.message,
      peakMemoryMB: r.peak_memory,
      memoryMB: r.memory_mb ?? r.request_memory,
      logPath: r.log_path,
      logTail: logTail(r.log_path, opts.tailLines ?? 20),
    }),
  );
}

function withSummary(f: Omit<FailureEntry, 'summary'>): FailureEntry {
  // the runner's message may carry the peak it saw at the kill: the entry shows the journal's only
  const why = (f.message ?? f.outcome ?? 'failed').replace(/\s*\(peak \d+(\.\d+)? MB\)/, '');
  const peak = peakText(f);
  return { ...f, summary: peak ? `${why}; ${peak}` : why };
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
      suggestedRequestMemoryMB:
        r.peak > 0 || r.kills ? suggestMemory(r.peak, r.kills ? r.killedAt : 0) : null,
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
 * Rate and time left of a run. The elapsed time is the driven time (sessions.ts), so it stops at
 * the run's end and leaves out the waits between restores; the rate is the jobs ended over it. The
 * ETA uses the jobs ended in the last `windowSec` of the current session.
 */
export function runEta(j: JournalReader, now = Date.now(), windowSec = 300): RunEta {
  const t = j.totals();
  const remaining = t.pending + t.ready + t.running;
  const d = drivenTime(j, now);
  const startedAt = d.sessions[0]?.start ?? null;
  const ended = t.succeeded + t.failed;
  const perMinute = d.drivenSec > 0 ? (ended * 60) / d.drivenSec : 0;
  const current = d.sessions.at(-1);
  const base = { remaining, perMinute, startedAt, drivenSec: d.drivenSec, endedAt: d.endedAt };
  if (!current?.live)
    return { ...base, recentPerMinute: 0, windowSec: 0, etaSec: null, sessions: d.sessions.length };
  const win = Math.max(1, Math.min(windowSec, (now - current.start) / 1000));
  const recent = j.db
    .prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('succeeded', 'failed') AND ended_at >= ?")
    .get(now - win * 1000) as { n: number };
  const recentPerMinute = (recent.n * 60) / win;
  const rate = (recentPerMinute || perMinute) / 60;
  return {
    ...base,
    recentPerMinute,
    windowSec: win,
    etaSec: rate > 0 && remaining > 0 ? remaining / rate : null,
    sessions: d.sessions.length,
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
  const mgr = managerLine(s);
  const q = s.quanta;
  const quanta = q
    ? `quanta (${q.clusteredQuanta} of them in ${q.clusterJobs} cluster jobs):\n${table(
        ['task', ...JOB_STATES, 'total'],
        [
          ...q.labels.map((l) => [l.label, ...JOB_STATES.map((k) => l[k]), l.total]),
          ['TOTAL', ...JOB_STATES.map((k) => q.totals[k]), q.totals.total],
        ],
      )}\n`
    : '';
  return `${s.submitDir}${s.name ? ` (${s.name})` : ''}\n${table(head, rows)}\n${quanta}progress: ${(s.progress * 100).toFixed(1)}% done\n${mgr}\n`;
}

/** `peak 131 MB of 128 MB`: the peak over the job's attempts, the memory of its last one (the dashboard shows the same). */
export function peakText(f: Pick<FailureEntry, 'peakMemoryMB' | 'memoryMB'>): string {
  if (!f.peakMemoryMB) return '';
  return `peak ${Math.round(f.peakMemoryMB)} MB of ${Math.round(f.memoryMB ?? 0)} MB`;
}

/** `, 2 of them its own failures`: said only when some attempts were lost or interrupted (those do not count). */
function failuresNote(f: FailureEntry): string {
  return f.failures === null || f.failures === f.attempt ? '' : `, ${f.failures} of them its own failures`;
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
        x.peakMemoryMB ? Math.round(x.peakMemoryMB) : '-',
        x.medianPeakMemoryMB ? Math.round(x.medianPeakMemoryMB) : '-',
        x.memoryKills,
        x.maxAttempts,
        x.suggestedRequestMemoryMB ?? '-',
        x.runTimeSec
          ? [x.runTimeSec.p50, x.runTimeSec.p90, x.runTimeSec.max].map((v) => v.toFixed(1)).join('/')
          : '-',
      ]),
    ),
  );
  if (r.failureGroups.length === 0) out.push('\nno failed jobs');
  else {
    out.push('\nfailures by label and cause, with the fix:');
    for (const g of r.failureGroups) out.push(`  ${g.text}`);
  }
  for (const f of r.failures) {
    out.push(
      `\nFAILED ${f.id} (${f.label}) after ${f.attempt} attempt(s)${failuresNote(f)}: ${f.summary}\n  log: ${f.logPath ?? '(none)'}`,
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
