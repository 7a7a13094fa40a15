/**
 * Status and report of a run, read from its journal without the lease (works during a run):
 * data for `--json` and plain-text renderings for the terminal.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { openJournalReadOnly, type LabelSummary, type StateCounts } from './journal-read.js';
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
    const failed = j.jobs({ state: 'failed', limit: opts.maxFailures ?? 50 });
    const failures = failed.map((r) => ({
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
    const rows = j.db
      .prepare(
        `SELECT label, count(*) AS jobs, sum(state = 'succeeded') AS succeeded, max(request_memory) AS req,
                max(coalesce(peak_memory, 0)) AS peak, max(attempt) AS attempts,
                sum(outcome = 'memory' OR (memory_mb > request_memory)) AS kills,
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
    const resources = rows.map((r) => {
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
      };
    });
    return { ...status, failures, resources };
  } finally {
    j.close();
  }
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
