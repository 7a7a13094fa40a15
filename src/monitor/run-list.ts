/**
 * `quanta runs [ROOT]`: every run under a submit root, one line each (like `bps report` without
 * an id, or `condor_q`): its state, job counts, when it started and who drives it. Read-only: the
 * journals are opened without the lease, prepared runs read as all pending (prepared-journal.ts),
 * and Slurm is asked only about runs that wait for a batch job.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { emptyCounts, openJournalReadOnly } from '../engine/journal-read.js';
import type { StateCounts } from '../engine/journal-read.js';
import { journalPath } from '../engine/journal-schema.js';
import { batchQueued, type BatchJobState } from '../engine/manager-line.js';
import { runStatus } from '../engine/report.js';
import { WORKFLOW_COPY } from '../engine/run-setup.js';
import { jobsRecordPath } from '../executors/providers/slurm/successor.js';
import { QuantaError } from '../errors.js';
import { latestBatchJob } from '../run/prepared.js';
import { runDirsUnder } from './find-run.js';

/**
 * prepared: not started; queued: waiting for its Slurm batch job; running: a live manager drives
 * it; stopped: work left and nobody driving it (`quanta restore` continues it); succeeded, failed
 * (some failed or blocked), cancelled: nothing left to run.
 */
export type RunListState =
  | 'prepared'
  | 'queued'
  | 'running'
  | 'stopped'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  /** not a run: quanta qgraph did not finish writing it, or its journal cannot be read (`problem`) */
  | 'incomplete'
  | 'unreadable';

export interface RunListEntry {
  submitDir: string;
  /** relative to the root */
  path: string;
  name: string | null;
  state: RunListState;
  totals: StateCounts & { total: number };
  /** ISO time of the run's first start; null for a prepared run */
  startedAt: string | null;
  manager: { host: string; pid: number; since: string; gone: string | null } | null;
  batchJob: BatchJobState | null;
  /** why an incomplete or unreadable dir is not listed as a run (one paragraph) */
  problem?: string;
}

export interface RunList {
  root: string;
  runs: RunListEntry[];
}

function stateOf(
  t: StateCounts,
  prepared: boolean,
  live: boolean,
  batch: BatchJobState | undefined,
): RunListState {
  if (live) return 'running';
  if (batchQueued(batch)) return 'queued';
  if (prepared) return batch?.state && /^(RUNNING|COMPLETING)/.test(batch.state) ? 'running' : 'prepared';
  if (t.pending + t.ready + t.running > 0) return 'stopped';
  if (t.failed + t.blocked > 0) return 'failed';
  if (t.cancelled > 0) return 'cancelled';
  return 'succeeded';
}

/** When the run started (journal meta), else when it was prepared: for ordering. */
function startedAt(dir: string): { iso: string | null; t: number } {
  if (existsSync(journalPath(dir))) {
    const j = openJournalReadOnly(dir);
    try {
      const iso = j.meta().createdAt ?? null;
      return { iso, t: iso ? Date.parse(iso) : statSync(dir).mtimeMs };
    } finally {
      j.close();
    }
  }
  return { iso: null, t: statSync(join(dir, WORKFLOW_COPY)).mtimeMs };
}

export async function listRuns(root: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunList> {
  const entries: (RunListEntry & { t: number })[] = [];
  for (const dir of runDirsUnder(root)) {
    let s: ReturnType<typeof runStatus>;
    let started: ReturnType<typeof startedAt>;
    try {
      s = runStatus(dir);
      started = startedAt(dir);
    } catch (e) {
      // one run that is not (qgraph killed, a damaged journal) does not hide the others
      if (!(e instanceof QuantaError)) throw e;
      entries.push({ ...notARun(dir, e), path: relative(root, dir) || '.', t: statSync(dir).mtimeMs });
      continue;
    }
    const live = !!s.manager && !s.managerGone;
    const t = s.totals;
    const left = t.pending + t.ready + t.running + t.cancelled;
    // Slurm is asked only when a batch job may be what the run waits for
    const batch =
      !live && left > 0 && existsSync(jobsRecordPath(dir))
        ? await latestBatchJob(dir, { env: opts.env })
        : undefined;
    entries.push({
      submitDir: dir,
      path: relative(root, dir) || '.',
      name: s.name ?? null,
      state: stateOf(t, !!s.prepared, live, batch),
      totals: t,
      startedAt: started.iso,
      manager: s.manager
        ? {
            host: s.manager.host,
            pid: s.manager.pid,
            since: new Date(s.manager.since).toISOString(),
            gone: s.managerGone ?? null,
          }
        : null,
      batchJob: batch ?? null,
      t: started.t,
    });
  }
  entries.sort((a, b) => a.t - b.t || a.path.localeCompare(b.path));
  return { root, runs: entries.map(({ t: _t, ...e }) => e) };
}

/** A dir qgraph did not finish, or whose journal is damaged: listed with why, not as a run. */
function notARun(dir: string, e: QuantaError): Omit<RunListEntry, 'path'> {
  return {
    submitDir: dir,
    name: null,
    state: e.code === 'QGRAPH_INCOMPLETE' ? 'incomplete' : 'unreadable',
    totals: { ...emptyCounts(), total: 0 },
    startedAt: null,
    manager: null,
    batchJob: null,
    problem: e.message,
  };
}

function managerText(e: RunListEntry): string {
  if (e.manager && !e.manager.gone) return `pid ${e.manager.pid} on ${e.manager.host}`;
  if (e.manager) return `gone (pid ${e.manager.pid} on ${e.manager.host})`;
  if (e.batchJob) return `Slurm job ${e.batchJob.jobId}${e.batchJob.state ? ` (${e.batchJob.state})` : ''}`;
  return '-';
}

export function formatRunList(l: RunList): string {
  if (!l.runs.length) return `no runs under ${l.root}\n`;
  const head = [
    'run',
    'name',
    'state',
    'succeeded',
    'failed',
    'blocked',
    'cancelled',
    'left',
    'total',
    'started',
    'manager',
  ];
  const rows = l.runs.map((e) => {
    const t = e.totals;
    return [
      e.path,
      e.name ?? '-',
      e.state,
      String(t.succeeded),
      String(t.failed),
      String(t.blocked),
      String(t.cancelled),
      String(t.pending + t.ready + t.running),
      String(t.total),
      e.startedAt ? e.startedAt.replace(/\.\d+Z$/, 'Z') : '-',
      managerText(e),
    ];
  });
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric.has(i) ? c.padStart(w[i]) : i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ');
  const problems = l.runs.filter((e) => e.problem).map((e) => `${e.path}: ${e.problem}\n`);
  return `${l.root}\n${[head, ...rows].map(line).join('\n')}\n${problems.join('')}`;
}
