/**
 * `quanta status DIR --label L --state S`: the run's jobs of some labels and states, one line
 * each with its data ID, node, attempts, duration and log, read from the journal (read-only, so
 * it works while the run goes on) and, for the data IDs, the run's workflow copy and its quantum
 * files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { openJournalReadOnly } from './journal-read.js';
import { WORKFLOW_COPY } from './run-setup.js';
import { JOB_STATES, type JobState } from './states.js';

export type DataIdValue = string | number;

export interface JobTableRow {
  id: string;
  label: string;
  state: JobState;
  /** the quantum's data ID; null for a plain command job without one */
  dataId: Record<string, DataIdValue> | null;
  node: string | null;
  /** dispatches so far (lost and interrupted ones included) */
  attempts: number;
  /** the job's own failures (what numberOfRetries bounds); null when the journal predates them */
  failures: number | null;
  /** seconds of the latest attempt (up to now while it runs); null before it started */
  durationSec: number | null;
  logPath: string | null;
}

export interface JobTable {
  submitDir: string;
  labels: string[];
  states: JobState[];
  /** jobs that match */
  matched: number;
  /** the first `limit` of them, in workflow order */
  jobs: JobTableRow[];
}

export interface JobFilter {
  labels?: string[];
  states?: string[];
  /** default 100; 0 for all */
  limit?: number;
}

function checkStates(states: string[]): JobState[] {
  for (const s of states) {
    if (!(JOB_STATES as readonly string[]).includes(s)) {
      const near = didYouMean(s, [...JOB_STATES]);
      throw new UsageError(
        'BAD_OPTION',
        `--state: '${s}' is not a job state${near ? ` (did you mean '${near}'?)` : ''} (states: ${JOB_STATES.join(', ')})`,
        { key: '--state' },
      );
    }
  }
  return states as JobState[];
}

function checkLabels(labels: string[], known: string[]): void {
  for (const l of labels) {
    if (known.includes(l)) continue;
    const near = didYouMean(l, known);
    throw new UsageError(
      'UNKNOWN_LABEL',
      `--label: no task label '${l}' in this run${near ? ` (did you mean '${near}'?)` : ''} (labels: ${known.join(', ')})`,
      { key: '--label' },
    );
  }
}

interface WorkflowCopyJob {
  id: string;
  task?: { quantumFile?: string };
  outputs?: { dataId?: Record<string, DataIdValue> }[];
}

/** Data IDs of `ids`: the quantum file's for task jobs, the outputs' (merged) for command jobs. */
function dataIds(submitDir: string, ids: string[]): Map<string, Record<string, DataIdValue> | null> {
  const out = new Map<string, Record<string, DataIdValue> | null>();
  const file = join(submitDir, WORKFLOW_COPY);
  if (!ids.length || !existsSync(file)) return out;
  let jobs: WorkflowCopyJob[];
  try {
    jobs = (JSON.parse(readFileSync(file, 'utf8')) as { jobs: WorkflowCopyJob[] }).jobs;
  } catch {
    return out; // the table still shows the journal's columns
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const id of ids) {
    const j = byId.get(id);
    let d: Record<string, DataIdValue> | null = null;
    const qf = j?.task?.quantumFile;
    if (qf && existsSync(qf)) {
      try {
        d = (JSON.parse(readFileSync(qf, 'utf8')) as { dataId?: Record<string, DataIdValue> }).dataId ?? null;
      } catch {
        d = null;
      }
    }
    if (!d && j?.outputs?.length) d = Object.assign({}, ...j.outputs.map((o) => o.dataId ?? {}));
    out.set(id, d && Object.keys(d).length ? d : null);
  }
  return out;
}

export function jobTable(submitDir: string, filter: JobFilter, now = Date.now()): JobTable {
  const states = checkStates(filter.states ?? []);
  const labels = filter.labels ?? [];
  const j = openJournalReadOnly(submitDir);
  let rows;
  try {
    checkLabels(
      labels,
      j.summaryByLabel().map((s) => s.label),
    );
    rows = j.jobs({ ...(states.length ? { state: states } : {}) });
  } finally {
    j.close();
  }
  if (labels.length) rows = rows.filter((r) => labels.includes(r.label));
  const limit = filter.limit ?? 100;
  const shown = limit > 0 ? rows.slice(0, limit) : rows;
  const ids = dataIds(
    submitDir,
    shown.map((r) => r.id),
  );
  return {
    submitDir,
    labels,
    states,
    matched: rows.length,
    jobs: shown.map((r) => ({
      id: r.id,
      label: r.label,
      state: r.state,
      dataId: ids.get(r.id) ?? null,
      node: r.node,
      attempts: r.attempt,
      failures: r.failures ?? null,
      durationSec:
        r.started_at === null
          ? null
          : ((r.state === 'running' ? now : (r.ended_at ?? now)) - r.started_at) / 1000,
      logPath: r.log_path,
    })),
  };
}

/** `instrument=ToyCam detector=0 exposure=1000` */
export function formatDataId(d: Record<string, DataIdValue> | null): string {
  return d
    ? Object.entries(d)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : '-';
}

function seconds(s: number | null): string {
  if (s === null) return '-';
  return s < 60
    ? `${s.toFixed(1)}s`
    : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export function formatJobTable(t: JobTable): string {
  const head = ['job', 'label', 'state', 'data ID', 'node', 'attempts', 'failures', 'duration', 'log'];
  const rows = t.jobs.map((r) => [
    r.id,
    r.label,
    r.state,
    formatDataId(r.dataId),
    r.node ?? '-',
    String(r.attempts),
    r.failures === null ? '-' : String(r.failures),
    seconds(r.durationSec),
    r.logPath ?? '-',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i >= 5 && i <= 7 ? c.padStart(w[i]) : i === r.length - 1 ? c : c.padEnd(w[i])))
      .join('  ');
  const what = [
    t.labels.length ? `label ${t.labels.join(', ')}` : '',
    t.states.length ? `state ${t.states.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const foot =
    t.matched > t.jobs.length
      ? `${t.jobs.length} of ${t.matched} jobs (${what}); --limit 0 shows all`
      : `${t.matched} job${t.matched === 1 ? '' : 's'} (${what || 'all'})`;
  return `${t.submitDir}\n${t.jobs.length ? `${[head, ...rows].map(line).join('\n')}\n` : ''}${foot}\n`;
}
