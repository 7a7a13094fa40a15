/**
 * `quanta restore DIR` of a Slurm run from a login node: submit its batch script again, unless
 * one of its batch jobs is still queued or running (that job restores the run itself). Any pilot
 * run can be resubmitted: one prepared by `qgraph`/`sbatch` (config.yaml: the script is written
 * anew from it) and one started by a hand-written script (`run-workflow --executor pilot`, `quanta
 * submit` inside an allocation), whose first allocation left `quanta.sbatch` behind in the shape
 * of its own job (successor.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutorError } from '../errors.js';
import { quantaCommand } from '../util/cli-hint.js';
import { blockState } from '../executors/providers/slurm/queue.js';
import { sbatchScriptPath, submitSbatch } from '../executors/providers/slurm/sbatch.js';
import { readJobsRecord, recordSubmission } from '../executors/providers/slurm/successor.js';
import { writeRunBatch } from './batch.js';
import type { BatchResult } from './batch.js';
import { CONFIG_COPY, loadPreparedConfig } from './prepared.js';

/** The provider a run uses when no flag says: its config's, else Slurm when it has a batch script. */
export function runProvider(submitDir: string, configured: string | undefined): string | undefined {
  return configured ?? (existsSync(sbatchScriptPath(submitDir)) ? 'Slurm' : undefined);
}

/** The first recorded batch job that Slurm still has in its queue (any state squeue shows). */
export async function activeBatchJob(
  submitDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ jobId: string; state: string } | undefined> {
  for (const j of readJobsRecord(submitDir).jobs) {
    if (j.cancelledAt) continue;
    const state = await blockState(j.jobId, { env, timeoutMs: 20_000 });
    if (state) return { jobId: j.jobId, state };
  }
  return undefined;
}

export async function resubmitRun(
  submitDir: string,
  opts: { env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<BatchResult> {
  const active = await activeBatchJob(submitDir, opts.env);
  if (active) {
    throw new ExecutorError(
      'BATCH_JOB_ACTIVE',
      `Slurm job ${active.jobId} of this run is ${active.state} (${submitDir}): it restores the run itself; ` +
        `wait for it (${quantaCommand('status', submitDir, '--watch')}), or stop it first with ${quantaCommand('cancel', submitDir)}`,
      { file: submitDir },
    );
  }
  if (existsSync(join(submitDir, CONFIG_COPY))) {
    const config = await loadPreparedConfig(submitDir, opts.env);
    return writeRunBatch(submitDir, config, { submit: true, env: opts.env, log: opts.log });
  }
  const script = sbatchScriptPath(submitDir);
  if (!existsSync(script)) {
    throw new ExecutorError(
      'NO_BATCH_SCRIPT',
      `${submitDir} has neither config.yaml nor quanta.sbatch, so there is no batch script to submit from here: ` +
        `restore it inside an allocation (quanta restore ${submitDir} --executor pilot in your sbatch script), ` +
        `or run it here with --executor local`,
      { file: submitDir },
    );
  }
  const jobId = await submitSbatch(script, { env: opts.env, cwd: submitDir });
  recordSubmission(submitDir, { jobId, kind: 'initial' });
  return { submitDir, script, jobId };
}
