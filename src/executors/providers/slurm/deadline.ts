/**
 * When the allocation ends and the margin to keep before it: the engine starts no job expected to
 * run past `end - margin`, so output registration and the successor's submission fit in it.
 */
import { endFromJobInfo, inAllocation } from './allocation.js';
import { showJob } from './commands.js';

const MAX_DEADLINE_MS = 20 * 24 * 3600 * 1000;

/**
 * Margin kept before the end: $QUANTA_WALLTIME_MARGIN_SEC, else 10 % of the time limit, between
 * 1 and 15 minutes.
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
