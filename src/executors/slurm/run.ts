/**
 * Running a run inside a Slurm allocation: the pilot executor with one worker per node, the
 * engine's deadline from the allocation's end, and the successor job when the engine stops at
 * that deadline with work left. The engine is passed in as a callback, so this module needs no
 * knowledge of how the CLI builds it:
 *
 *   const r = await runUnderSlurm({ submitDir, site: config.site }, (ctx) =>
 *     runWorkflow({ submitDir, executor: ctx.executor, deadline: ctx.deadline, deadlineMarginSec: ctx.deadlineMarginSec }));
 *   // r.status === 'deadline' -> r.successor tells whether a successor job was submitted
 */
import type { SiteConfig } from '../../config/index.js';
import { ExecutorError } from '../../errors.js';
import { createPilotExecutor } from '../pilot/manager.js';
import type { PilotExecutor, PilotExecutorOptions } from '../pilot/options.js';
import { endFromJobInfo, inAllocation } from './allocation.js';
import { showJob } from './commands.js';
import { submitSuccessor } from './successor.js';
import type { SuccessorOutcome } from './successor.js';

export interface SlurmRunOptions {
  submitDir: string;
  site?: Partial<Pick<SiteConfig, 'nodesPerBlock' | 'workerMemoryMB' | 'workerCores' | 'maxResubmissions'>>;
  env?: NodeJS.ProcessEnv;
  /** seconds before the allocation's end at which no job may still be running (default: see marginFor) */
  marginSec?: number;
  /** extra pilot options (tests: heartbeat, worker command) */
  pilot?: Partial<PilotExecutorOptions>;
  log?: (line: string) => void;
}

const MAX_DEADLINE_MS = 20 * 24 * 3600 * 1000;

export interface SlurmRunContext {
  executor: PilotExecutor;
  /** epoch ms when the allocation ends (the engine's RunOptions.deadline); undefined when unlimited */
  deadline?: number;
  /** seconds before `deadline` by which every job must be done (the engine's deadlineMarginSec) */
  deadlineMarginSec?: number;
}

/**
 * Margin kept before the end: $QUANTA_WALLTIME_MARGIN_SEC, else 10 % of the time limit, between
 * 1 and 15 minutes (output registration and the successor's submission must fit in it).
 */
export function marginFor(timeLimitSec: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.QUANTA_WALLTIME_MARGIN_SEC;
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  if (!timeLimitSec) return 60;
  return Math.min(900, Math.max(60, Math.round(timeLimitSec * 0.1)));
}

/** The allocation's end and the margin to keep before it (undefined outside one or when unlimited). */
export async function slurmDeadline(
  env: NodeJS.ProcessEnv = process.env,
  marginSec?: number,
): Promise<{ deadline: number; deadlineMarginSec: number } | undefined> {
  if (!inAllocation(env)) return undefined;
  const info = await showJob(env.SLURM_JOB_ID as string, { env });
  const end = endFromJobInfo(info);
  // a far end (Slurm gives jobs without --time a year) is no deadline; it also keeps the engine's
  // timers inside setTimeout's 24.8-day range
  if (!end || end.getTime() - Date.now() > MAX_DEADLINE_MS) return undefined;
  const start =
    info.StartTime && /^\d{4}-/.test(info.StartTime) ? new Date(info.StartTime).getTime() : Date.now();
  const margin = marginSec ?? marginFor((end.getTime() - start) / 1000, env);
  return { deadline: end.getTime(), deadlineMarginSec: margin };
}

/**
 * Run `run` with a pilot executor over this allocation and the allocation's deadline; when it
 * returns status 'deadline', submit the successor job (`--dependency=afterany:$SLURM_JOB_ID`).
 */
export async function runUnderSlurm<T extends { status: string }>(
  opts: SlurmRunOptions,
  run: (ctx: SlurmRunContext) => Promise<T>,
): Promise<T & { successor?: SuccessorOutcome }> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (!inAllocation(env)) {
    throw new ExecutorError(
      'NOT_IN_ALLOCATION',
      'the pilot executor runs inside a Slurm allocation (SLURM_JOB_ID is not set): use `quanta sbatch BPS.yaml --submit`',
    );
  }
  const jobId = env.SLURM_JOB_ID as string;
  const dl = await slurmDeadline(env, opts.marginSec);
  if (dl) {
    const by = new Date(dl.deadline - dl.deadlineMarginSec * 1000).toISOString();
    log(
      `quanta: Slurm job ${jobId} ends ${new Date(dl.deadline).toISOString()}; no job starts that would not finish by ${by}`,
    );
  }
  const executor = createPilotExecutor({
    submitDir: opts.submitDir,
    launch: 'srun',
    env,
    workerMemoryMB: opts.site?.workerMemoryMB,
    workerCores: opts.site?.workerCores,
    nodesPerBlock: opts.site?.nodesPerBlock,
    ...opts.pilot,
  });
  const result = await run({ executor, ...(dl ?? {}) });
  if (result.status !== 'deadline') return result;
  const successor = await submitSuccessor(opts.submitDir, jobId, {
    env,
    maxResubmissions: opts.site?.maxResubmissions,
  });
  log(
    successor.submitted
      ? `quanta: wall time nearly over; successor job ${successor.jobId} (resubmission ${successor.resubmission}) restores the run after job ${jobId}`
      : `quanta: wall time nearly over and work remains, but no successor: ${successor.reason}`,
  );
  return { ...result, successor };
}
