/**
 * The dashboard's JSON API, computed from the run's journal opened read-only for each request (no
 * lease is taken, so it works while a manager runs, from another node, and after the run ended).
 */
import { existsSync } from 'node:fs';
import { journalPath } from '../engine/journal-schema.js';
import { openJournalReadOnly, type JournalReader } from '../engine/journal-read.js';
import { holderGone } from '../engine/lease.js';
import { managerLine } from '../engine/manager-line.js';
import { isPreparedRun, PREPARED_META } from '../engine/prepared-journal.js';
import { failureGroups, type FailureGroup } from '../engine/failure-groups.js';
import {
  failureEntries,
  labelResources,
  runEta,
  runStatus,
  type FailureEntry,
  type LabelResources,
  type RunEta,
  type RunStatusReport,
} from '../engine/report.js';
import { jobLog, listJobs, type JobList, type JobLog, type JobQuery } from './jobs.js';
import { TimelineBuilder, type Timeline } from './timeline.js';

/** waiting: no journal yet; running: a live manager holds the lease; finished: every job is final; stopped: neither */
export type RunPhase = 'waiting' | 'running' | 'finished' | 'stopped';

export interface StatusPayload {
  phase: RunPhase;
  submitDir: string | null;
  /** epoch ms of the server's clock */
  now: number;
  status: RunStatusReport | null;
  eta: RunEta | null;
  /** who drives the run, as `quanta status` says it (manager-line.ts) */
  managerText?: string;
}

export interface FailuresPayload {
  phase: RunPhase;
  /** every failed job by label and cause, with the fix (as `quanta report` prints it) */
  groups: FailureGroup[];
  failures: FailureEntry[];
}

export interface JobsPayload extends JobList {
  phase: RunPhase;
}

export interface LogPayload {
  phase: RunPhase;
  /** null when the run has no such job */
  log: JobLog | null;
}

export interface ResourcesPayload {
  phase: RunPhase;
  resources: LabelResources[];
}

export interface TimelinePayload {
  phase: RunPhase;
  timeline: Timeline | null;
}

/** A manager holds the lease and is not provably gone. */
export function managerLive(j: JournalReader, now = Date.now()): boolean {
  const lease = j.lease();
  return !!lease && !holderGone(lease, 60, now);
}

function phaseOf(j: JournalReader): RunPhase {
  if (j.meta()[PREPARED_META]) return 'waiting'; // prepared, not started: every job pending
  if (managerLive(j)) return 'running';
  const t = j.totals();
  // cancelled jobs are work left (a restore runs them): a cancelled run has not finished
  return t.pending + t.ready + t.running + t.cancelled === 0 ? 'finished' : 'stopped';
}

/** The API over one run; `submitDir` may be unknown at first (the demo starts it later). */
export class RunApi {
  private timeline = new TimelineBuilder();
  private timelineDir: string | undefined;

  constructor(private readonly locate: () => string | undefined) {}

  /** The submit dir once its journal exists. */
  private dir(): string | undefined {
    const d = this.locate();
    return d && (existsSync(journalPath(d)) || isPreparedRun(d)) ? d : undefined;
  }

  private read<T>(empty: T, fn: (dir: string, j: JournalReader, phase: RunPhase) => T): T {
    const dir = this.dir();
    if (!dir) return empty;
    const j = openJournalReadOnly(dir);
    try {
      return fn(dir, j, phaseOf(j));
    } finally {
      j.close();
    }
  }

  status(now = Date.now()): StatusPayload {
    return this.read<StatusPayload>(
      { phase: 'waiting', submitDir: this.locate() ?? null, now, status: null, eta: null },
      (dir, j, phase) => {
        const status = runStatus(dir);
        return { phase, submitDir: dir, now, status, eta: runEta(j, now), managerText: managerLine(status) };
      },
    );
  }

  failures(max = 50): FailuresPayload {
    return this.read<FailuresPayload>({ phase: 'waiting', groups: [], failures: [] }, (_dir, j, phase) => ({
      phase,
      groups: failureGroups(j),
      failures: failureEntries(j, { maxFailures: max, tailLines: 30 }),
    }));
  }

  jobs(q: JobQuery = {}): JobsPayload {
    return this.read<JobsPayload>(
      { phase: 'waiting', total: 0, offset: 0, limit: 0, jobs: [] },
      (_dir, j, phase) => ({ phase, ...listJobs(j, q) }),
    );
  }

  log(job: string, lines?: number): LogPayload {
    return this.read<LogPayload>({ phase: 'waiting', log: null }, (_dir, j, phase) => ({
      phase,
      log: jobLog(j, job, lines) ?? null,
    }));
  }

  resources(): ResourcesPayload {
    return this.read<ResourcesPayload>({ phase: 'waiting', resources: [] }, (_dir, j, phase) => ({
      phase,
      resources: labelResources(j),
    }));
  }

  /** `page.skip` most recent attempts left out, then `page.limit` (default 500) before them */
  timelineNow(now = Date.now(), page: { skip?: number; limit?: number } = {}): TimelinePayload {
    return this.read<TimelinePayload>({ phase: 'waiting', timeline: null }, (dir, j, phase) => {
      if (dir !== this.timelineDir) {
        this.timeline = new TimelineBuilder();
        this.timelineDir = dir;
      }
      this.timeline.update(j);
      return { phase, timeline: this.timeline.snapshot(j.workers(), phase === 'running', now, page) };
    });
  }
}
