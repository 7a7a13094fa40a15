/**
 * `quanta cancel DIR`: the engine's cancel (ask the manager holding the lease, or mark waiting
 * jobs in the journal) plus the run's batch jobs in Slurm's queue (`slurm-jobs.json`): a job
 * still queued would start later and restore the run, so it is cancelled with scancel; a
 * running one is cancelled too when no manager in it answered (none alive, or it did not let go
 * in time). A run prepared by `qgraph`/`sbatch` that has no journal yet is cancelled in the
 * queue only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requestCancel } from '../engine/cancel.js';
import type { CancelResult } from '../engine/cancel.js';
import { journalPath } from '../engine/journal-schema.js';
import { blockState, cancelBlock } from '../executors/providers/slurm/queue.js';
import { readJobsRecord } from '../executors/providers/slurm/successor.js';
import { UsageError } from '../errors.js';

export interface RunCancelResult {
  /** the engine's answer; undefined for a prepared run with no journal yet */
  engine?: CancelResult;
  /** batch jobs cancelled with scancel, with the state Slurm had them in */
  slurm: { jobId: string; state: string }[];
}

const QUEUED = /^(PENDING|CONFIGURING|REQUEUED|RESIZING|SUSPENDED)/;

export async function cancelRun(
  submitDir: string,
  opts: { waitMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunCancelResult> {
  const hasJournal = existsSync(journalPath(submitDir));
  const recorded = readJobsRecord(submitDir).jobs;
  if (!hasJournal && (!existsSync(join(submitDir, 'workflow.json')) || recorded.length === 0)) {
    throw new UsageError(
      'NO_JOURNAL',
      `${submitDir} is not a run that can be cancelled: it has no journal.sqlite3 and no batch job recorded in slurm-jobs.json`,
      { file: submitDir },
    );
  }
  const engine = hasJournal ? await requestCancel(submitDir, { waitMs: opts.waitMs }) : undefined;
  const managerAnswered = engine?.via === 'manager' && !engine.timedOut;
  const slurm: RunCancelResult['slurm'] = [];
  const cmd = { env: opts.env, timeoutMs: 20_000 };
  for (const { jobId } of recorded) {
    let state: string | undefined;
    try {
      state = await blockState(jobId, cmd);
    } catch {
      continue; // no squeue here: a run that never used Slurm from this host
    }
    if (!state) continue; // left the queue
    if (QUEUED.test(state) || !managerAnswered) {
      await cancelBlock(jobId, cmd);
      slurm.push({ jobId, state });
    }
  }
  return { ...(engine ? { engine } : {}), slurm };
}
