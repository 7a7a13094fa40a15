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
import { journalFilesystemWarning } from '../engine/journal-fs.js';
import { RunHandle } from '../engine/run.js';
import type { RunOptions, RunSummary } from '../engine/run-types.js';
import type { Workflow } from '../engine/workflow.js';
import { ExecutorError } from '../errors.js';
import { inAllocation } from '../executors/providers/slurm/allocation.js';
import { showJob } from '../executors/providers/slurm/commands.js';
import { cancelSuccessor, ensureSuccessor } from '../executors/providers/slurm/successor.js';
import type { SuccessorOutcome } from '../executors/providers/slurm/successor.js';
import type { BatchResult } from './batch.js';
import { createExecutor, pilotBlock } from './executor.js';
import type { ExecutorChoice } from './executor.js';
import { resubmitRun } from './resubmit.js';
import { quantaCommand } from '../util/cli-hint.js';

/** A prepared run and how to run it. */
export interface StartRequest extends Pick<
  RunOptions,
  | 'retryFailed'
  | 'labels'
  | 'force'
  | 'leaseStaleSec'
  | 'defaultJobSec'
  | 'onProgress'
  | 'progressIntervalMs'
  | 'requestMemory'
> {
  submitDir: string;
  /** the workflow of a new run; a restore reads `<submitDir>/workflow.json` */
  workflow?: Workflow;
  executor: ExecutorChoice;
  /** the pilot outside a Slurm allocation: submit the run as a batch job (else NOT_IN_ALLOCATION) */
  batchOutsideAllocation?: boolean;
  /**
   * inside an allocation: queue the successor job as soon as the run starts (not only at the wall
   * time), so that a run whose allocation is killed or loses a node goes on; it is cancelled when
   * the run ends here. quanta's own commands set it; library callers choose.
   */
  keepSuccessorQueued?: boolean;
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
      return { kind: 'submitted', batch: await resubmitRun(req.submitDir, { env, log }) };
    }
    throw new ExecutorError(
      'NOT_IN_ALLOCATION',
      `the pilot executor runs inside a Slurm allocation (SLURM_JOB_ID is not set): use \`${quantaCommand('sbatch BPS.yaml --submit')}\``,
    );
  }
  req.onRunHere?.();
  // SQLite's WAL is not safe on NFS or Lustre without flock: say so where the run starts
  const fsWarning = journalFilesystemWarning(req.submitDir);
  if (fsWarning) log(fsWarning);
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
    requestMemory: req.requestMemory,
    leaseStaleSec: req.leaseStaleSec,
    defaultJobSec: req.defaultJobSec,
    onProgress: req.onProgress,
    progressIntervalMs: req.progressIntervalMs,
  });
  await handle.start();
  const jobId = env.SLURM_JOB_ID ?? '';
  const maxResubmissions = choice.site?.maxResubmissions;
  // queued now, so that it is there however this allocation ends; cancelled if the run ends here
  const early =
    slurmHere && req.keepSuccessorQueued
      ? queueEarly(req.submitDir, jobId, env, log, maxResubmissions)
      : undefined;
  const done = handle.done.then(async (summary): Promise<RunResult> => {
    if (!slurmHere) return summary;
    await early;
    const nearDeadline = !!dl && Date.now() >= dl.deadline - dl.marginSec * 1000;
    // SIGTERM from Slurm: at the time limit, or a node down / preemption (keep the successor);
    // a user's scancel or Ctrl-C is a decision to stop (drop it)
    const endedBySlurm =
      summary.status === 'interrupted' && (nearDeadline || (await slurmEndedJob(jobId, env)));
    if (summary.status !== 'deadline' && !endedBySlurm) {
      if (req.keepSuccessorQueued) await dropSuccessor(req.submitDir, jobId, env, log);
      return summary;
    }
    const successor = await ensureSuccessor(req.submitDir, jobId, { env, maxResubmissions });
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

/** The job's state says Slurm ended it (time limit, node failure, preemption), not a user. */
async function slurmEndedJob(jobId: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!jobId) return false;
  try {
    return SLURM_ENDED.test((await showJob(jobId, { env, timeoutMs: 10_000 })).JobState ?? '');
  } catch {
    return false;
  }
}
const SLURM_ENDED = /^(TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE)/;

async function queueEarly(
  submitDir: string,
  jobId: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  maxResubmissions: number | undefined,
): Promise<void> {
  try {
    const s = await ensureSuccessor(submitDir, jobId, { env, maxResubmissions });
    if (s.submitted)
      log(
        `quanta: successor job ${s.jobId} is queued after job ${jobId}: it restores the run if this allocation ends first`,
      );
    else log(`quanta: no successor job is queued: ${s.reason}`);
  } catch (e) {
    log(
      `quanta: warning: could not queue a successor job (${(e as Error).message}); the run goes on without one`,
    );
  }
}

async function dropSuccessor(
  submitDir: string,
  jobId: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  try {
    const cancelled = await cancelSuccessor(submitDir, jobId, { env });
    if (cancelled) log(`quanta: the run ended in job ${jobId}; its successor job ${cancelled} is cancelled`);
  } catch (e) {
    log(
      `quanta: warning: could not cancel the successor job (${(e as Error).message}); it will find nothing to do`,
    );
  }
}
