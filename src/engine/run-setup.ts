/**
 * Opening a run: take the journal's lease, seed it from the workflow on the first run (the
 * workflow is copied into the submit dir, which is the single source of truth afterwards),
 * or reload it on restore; then journal what restore-plan.ts decided and load the scheduler with it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EngineError, UsageError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-json.js';
import { Journal, type JobFields } from './journal.js';
import { applyMemoryOverrides, type MemoryOverrides } from './memory-overrides.js';
import { planRestore, type RestoreReason } from './restore-plan.js';
import { Scheduler } from './scheduler.js';
import { FAILED, READY } from './states.js';
import { loadWorkflow, readWorkflowJson, type Workflow } from './workflow.js';

export const WORKFLOW_COPY = 'workflow.json';

export interface SetupOptions {
  submitDir: string;
  /** the workflow of a new run (ignored when the journal already has jobs) */
  workflow?: Workflow;
  retryFailed?: boolean;
  labels?: string[];
  force?: boolean;
  leaseStaleSec?: number;
  /** `--request-memory LABEL=MB`: new memory requests, recorded for later restores */
  requestMemory?: MemoryOverrides;
}

export interface OpenedRun {
  wf: Workflow;
  journal: Journal;
  sched: Scheduler;
  runId: string;
  /** attempts (dispatches) per job as the journal had them when the run opened (RunState counts on from these) */
  savedAttempts: Int32Array;
  /** the jobs' own failures as the journal had them (0 for a job `--retry-failed` runs again) */
  savedFailures: Int32Array;
  labels: string[];
  labelOf: Int32Array;
  index: Map<string, number>;
  restored: boolean;
  /** jobs per restore decision (restore-plan.ts) */
  restore: Record<RestoreReason, number>;
}

/** The copy in the submit dir was validated when the run began: trust it (restore must be fast). */
function readWorkflowCopy(submitDir: string): Workflow {
  const file = join(submitDir, WORKFLOW_COPY);
  if (!existsSync(file)) {
    throw new EngineError(
      'NO_WORKFLOW',
      `${submitDir} has a journal but no ${WORKFLOW_COPY}; the run cannot be restored`,
      {
        file,
      },
    );
  }
  return readWorkflowJson(file) as Workflow;
}

export function openRun(opts: SetupOptions): OpenedRun {
  // a run's files are its owner's: workflow, logs and config may hold paths and credentials
  mkdirSync(opts.submitDir, { recursive: true, mode: 0o700 });
  const journal = Journal.open(opts.submitDir, { force: opts.force, staleSec: opts.leaseStaleSec });
  try {
    return setup(journal, opts);
  } catch (e) {
    journal.close();
    throw e;
  }
}

function setup(journal: Journal, opts: SetupOptions): OpenedRun {
  const copy = join(opts.submitDir, WORKFLOW_COPY);
  let wf: Workflow;
  const restored = journal.jobCount() > 0;
  if (restored) {
    wf = readWorkflowCopy(opts.submitDir);
  } else {
    if (opts.workflow) {
      wf = opts.workflow;
      writeJsonAtomic(copy, wf, 0o600);
    } else if (existsSync(copy)) {
      wf = loadWorkflow(copy);
      // restores trust the copy without validating it: keep it in its normalised form (defaults
      // such as requestCpus filled in), as for a workflow handed over directly
      writeJsonAtomic(copy, wf, 0o600);
    } else {
      throw new UsageError(
        'NO_RUN',
        `${opts.submitDir} holds no run to restore (no journal jobs, no ${WORKFLOW_COPY})`,
        {
          file: opts.submitDir,
        },
      );
    }
    journal.setMeta('runId', randomUUID());
    journal.setMeta('name', wf.name);
    journal.setMeta('createdAt', new Date().toISOString());
    journal.seedJobs(wf.jobs);
  }
  const runId = journal.getMeta('runId') ?? randomUUID();
  const saved = journal.loadJobs();
  const n = wf.jobs.length;
  if (saved.ids.length !== n) {
    throw new EngineError(
      'JOURNAL_MISMATCH',
      `journal of ${opts.submitDir} has ${saved.ids.length} jobs, ${WORKFLOW_COPY} has ${n}`,
      {
        file: opts.submitDir,
      },
    );
  }
  if (opts.requestMemory && applyMemoryOverrides(wf, saved, journal, opts.requestMemory) > 0)
    writeJsonAtomic(copy, wf, 0o600);
  const index = new Map<string, number>();
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const labelOf = new Int32Array(n);
  const needs: number[][] = new Array(n);
  const mem = new Float64Array(n);
  const cpus = new Float64Array(n);
  const always = new Uint8Array(n);
  wf.jobs.forEach((j, i) => index.set(j.id, i));
  wf.jobs.forEach((j, i) => {
    let li = labelIndex.get(j.label);
    if (li === undefined) {
      li = labels.length;
      labels.push(j.label);
      labelIndex.set(j.label, li);
    }
    labelOf[i] = li;
    needs[i] = j.needs.map((x) => index.get(x) as number);
    mem[i] = saved.memoryMB[i] || j.requestMemory;
    cpus[i] = j.requestCpus;
    always[i] = j.runWhen === 'always' ? 1 : 0;
  });
  const plan = planRestore({
    needs,
    saved: saved.states,
    labelOf,
    labels,
    retryFailed: opts.retryFailed,
    onlyLabels: opts.labels,
    always,
  });
  const sched = new Scheduler(needs, mem, cpus, always);
  sched.load(plan.states, plan.eligible);
  const now = Date.now();
  for (const c of plan.changes) {
    const fields: JobFields = c.state === READY ? { ready_at: now } : {};
    // a failed job run again on request gets its numberOfRetries again (as DAGMan's rescue DAG)
    if (saved.states[c.job] === FAILED && saved.failures[c.job] > 0) {
      saved.failures[c.job] = 0;
      fields.failures = 0;
    }
    journal.job(c.job, wf.jobs[c.job].id, c.state, fields);
  }
  journal.runEvent(restored ? 'restore' : 'start', {
    retryFailed: !!opts.retryFailed,
    labels: opts.labels ?? null,
  });
  journal.flush();
  return {
    wf,
    journal,
    sched,
    runId,
    savedAttempts: saved.attempts,
    savedFailures: saved.failures,
    labels,
    labelOf,
    index,
    restored,
    restore: plan.summary,
  };
}
