/**
 * The dashboard's JSON API, computed from the run's journal opened read-only for each request (no
 * lease is taken, so it works while a manager runs, from another node, and after the run ended).
 */
import { existsSync } from 'node:fs';
import { journalPath } from '../engine/journal-schema.js';
import { openJournalReadOnly, type JournalReader } from '../engine/journal-read.js';
import { holderGone } from '../engine/lease.js';
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
}

export interface FailuresPayload {
  phase: RunPhase;
  failures: FailureEntry[];
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
  if (managerLive(j)) return 'running';
  const t = j.totals();
  return t.pending + t.ready + t.running === 0 ? 'finished' : 'stopped';
}

/** The API over one run; `submitDir` may be unknown at first (the demo starts it later). */
export class RunApi {
  private timeline = new TimelineBuilder();
  private timelineDir: string | undefined;

  constructor(private readonly locate: () => string | undefined) {}

  /** The submit dir once its journal exists. */
  private dir(): string | undefined {
    const d = this.locate();
    return d && existsSync(journalPath(d)) ? d : undefined;
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
      (dir, j, phase) => ({
        phase,
        submitDir: dir,
        now,
        status: runStatus(dir),
        eta: runEta(j, now),
      }),
    );
  }

  failures(max = 50): FailuresPayload {
    return this.read<FailuresPayload>({ phase: 'waiting', failures: [] }, (_dir, j, phase) => ({
      phase,
      failures: failureEntries(j, { maxFailures: max, tailLines: 30 }),
    }));
  }

  resources(): ResourcesPayload {
    return this.read<ResourcesPayload>({ phase: 'waiting', resources: [] }, (_dir, j, phase) => ({
      phase,
      resources: labelResources(j),
    }));
  }

  timelineNow(now = Date.now()): TimelinePayload {
    return this.read<TimelinePayload>({ phase: 'waiting', timeline: null }, (dir, j, phase) => {
      if (dir !== this.timelineDir) {
        this.timeline = new TimelineBuilder();
        this.timelineDir = dir;
      }
      this.timeline.update(j);
      return { phase, timeline: this.timeline.snapshot(j.workers(), phase === 'running', now) };
    });
  }
}
