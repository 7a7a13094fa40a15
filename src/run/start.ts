/**
 * Where a run starts: every command that runs a prepared run (submit, run-workflow, restore, the
 * batch job's `quanta restore --executor pilot`, a wall-time successor) comes here. Given the
 * submit dir, the workflow of a new run (a restore reads the copy in the submit dir) and the
 * executor choice, it either
 * - runs it here: builds the executor (run/executor.ts, the only place that does), takes the
 *   block's deadline from the pilot's provider, starts the engine; when the engine stops at that
 *   deadline with work left, it submits the successor job that restores the run; or
 * - with the pilot outside a Slurm allocation, hands the run to a batch job (run/batch.ts).
 */
import { RunHandle } from '../engine/run.js';
import type { RunOptions, RunSummary } from '../engine/run-types.js';
import type { Workflow } from '../engine/workflow.js';
import { ExecutorError } from '../errors.js';
import { inAllocation } from '../executors/providers/slurm/allocation.js';
import { submitSuccessor } from '../executors/providers/slurm/successor.js';
import type { SuccessorOutcome } from '../executors/providers/slurm/successor.js';
import { writeRunBatch } from './batch.js';
import type { BatchResult } from './batch.js';
import { createExecutor, pilotBlock } from './executor.js';
import type { ExecutorChoice } from './executor.js';
import { loadPreparedConfig } from './prepared.js';

/** A prepared run and how to run it. */
export interface StartRequest extends Pick<
  RunOptions,
  'retryFailed' | 'labels' | 'force' | 'leaseStaleSec' | 'defaultJobSec' | 'onProgress' | 'progressIntervalMs'
> {
  submitDir: string;
  /** the workflow of a new run; a restore reads `<submitDir>/workflow.json` */
  workflow?: Workflow;
  executor: ExecutorChoice;
  /** the pilot outside a Slurm allocation: submit the run as a batch job (else NOT_IN_ALLOCATION) */
  batchOutsideAllocation?: boolean;
  /** called when it is decided that the run goes on here, before the engine opens it */
  onRunHere?: () => void;
  env?: NodeJS.ProcessEnv;
  /** human lines (default: stderr) */
  log?: (line: string) => void;
}

export interface RunResult extends RunSummary {
  /** set when the run stopped at the allocation's deadline with work left */
  successor?: SuccessorOutcome;
}

export type StartedRun =
  | { kind: 'running'; handle: RunHandle; done: Promise<RunResult> }
  | { kind: 'submitted'; batch: BatchResult };

export async function startPreparedRun(req: StartRequest): Promise<StartedRun> {
  const env = req.env ?? process.env;
  const log = req.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const choice = req.executor;
  const block = choice.name === 'pilot' ? pilotBlock(choice, env) : undefined;
  const slurmHere = block?.provider.name === 'slurm';
  if (slurmHere && !inAllocation(env)) {
    if (req.batchOutsideAllocation) {
      const config = await loadPreparedConfig(req.submitDir, env);
      return {
        kind: 'submitted',
        batch: await writeRunBatch(req.submitDir, config, { submit: true, env, log }),
      };
    }
    throw new ExecutorError(
      'NOT_IN_ALLOCATION',
      'the pilot executor runs inside a Slurm allocation (SLURM_JOB_ID is not set): use `quanta sbatch BPS.yaml --submit`',
    );
  }
  req.onRunHere?.();
  const dl = await block?.provider.deadline();
  if (dl && slurmHere) {
    const by = new Date(dl.deadline - dl.marginSec * 1000).toISOString();
    log(
      `quanta: Slurm job ${env.SLURM_JOB_ID} ends ${new Date(dl.deadline).toISOString()}; no job starts that would not finish by ${by}`,
    );
  }
  const handle = new RunHandle({
    submitDir: req.submitDir,
    workflow: req.workflow,
    executor: ({ runId, submitDir }) =>
      createExecutor(block ? { ...choice, ...block } : choice, { runId, submitDir, env }),
    ...(dl ? { deadline: dl.deadline, deadlineMarginSec: dl.marginSec } : {}),
    retryFailed: req.retryFailed,
    labels: req.labels,
    force: req.force,
    leaseStaleSec: req.leaseStaleSec,
    defaultJobSec: req.defaultJobSec,
    onProgress: req.onProgress,
    progressIntervalMs: req.progressIntervalMs,
  });
  await handle.start();
  const done = handle.done.then(async (summary): Promise<RunResult> => {
    if (summary.status !== 'deadline' || !slurmHere) return summary;
    const jobId = env.SLURM_JOB_ID as string;
    const successor = await submitSuccessor(req.submitDir, jobId, {
      env,
      maxResubmissions: choice.site?.maxResubmissions,
    });
    log(
      successor.submitted
        ? `quanta: wall time nearly over; successor job ${successor.jobId} (resubmission ${successor.resubmission}) restores the run after job ${jobId}`
        : `quanta: wall time nearly over and work remains, but no successor: ${successor.reason}`,
    );
    return { ...summary, successor };
  });
  return { kind: 'running', handle, done };
}

/** Run a prepared run here to its end (library use, tests). */
export async function runPrepared(req: Omit<StartRequest, 'batchOutsideAllocation'>): Promise<RunResult> {
  const started = await startPreparedRun(req);
  if (started.kind !== 'running') throw new Error('unreachable: a batch job was submitted');
  return started.done;
}
