/**
 * The Slurm allocation we run in (when `SLURM_JOB_ID` is set): its nodes with their CPUs and
 * memory, and when it ends, read from the environment Slurm gives a batch job and from `scontrol`.
 */
import { parseSlurmTime } from '../../../config/index.js';
import { ExecutorError } from '../../../errors.js';
import type { BlockNode } from '../../provider.js';
import { expandCpusPerNode, runSlurmCommand, showJob } from './commands.js';
import type { SlurmCommandOptions } from './commands.js';

/** A node of the allocation (memory: the allocation's share on it, when Slurm says). */
export type AllocationNode = BlockNode;

export function inAllocation(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.SLURM_JOB_ID);
}

function jobIdOf(env: NodeJS.ProcessEnv): string {
  const id = env.SLURM_JOB_ID;
  if (!id)
    throw new ExecutorError('NOT_IN_ALLOCATION', 'not inside a Slurm allocation (SLURM_JOB_ID is not set)');
  return id;
}

/** Memory (MB) from a TRES string such as "cpu=6,mem=12000M,node=3". */
export function tresMemoryMB(tres: string | undefined): number | undefined {
  const m = /(?:^|,)mem=(\d+(?:\.\d+)?)([KMGT]?)/.exec(tres ?? '');
  if (!m) return undefined;
  const f = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024, '': 1 }[m[2] as 'K' | 'M' | 'G' | 'T' | ''];
  return Math.round(Number(m[1]) * f);
}

/** The allocation's nodes (`scontrol show hostnames $SLURM_JOB_NODELIST`) with CPUs and memory. */
export async function allocationNodes(env: NodeJS.ProcessEnv = process.env): Promise<AllocationNode[]> {
  const jobId = jobIdOf(env);
  const opts: SlurmCommandOptions = { env };
  const nodelist = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!nodelist) throw new ExecutorError('NO_NODELIST', `job ${jobId}: SLURM_JOB_NODELIST is not set`);
  const names = (await runSlurmCommand('scontrol', ['show', 'hostnames', nodelist], opts))
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const cpus = expandCpusPerNode(env.SLURM_JOB_CPUS_PER_NODE ?? '');
  const perNode = Number(env.SLURM_MEM_PER_NODE) || undefined;
  const perCpu = Number(env.SLURM_MEM_PER_CPU) || undefined;
  let tresMem: number | undefined;
  if (!perNode && !perCpu) {
    // --exclusive or no --mem: the job's total memory is in its TRES
    const info = await showJob(jobId, opts);
    const total = tresMemoryMB(info.AllocTRES ?? info.TRES);
    if (total !== undefined && names.length > 0) tresMem = Math.floor(total / names.length);
  }
  return names.map((name, i) => {
    const c = cpus[i] ?? cpus[cpus.length - 1] ?? 1;
    const memoryMB = perNode ?? (perCpu ? perCpu * c : tresMem);
    return { name, cpus: c, ...(memoryMB ? { memoryMB } : {}) };
  });
}

/**
 * The allocation's node names now: the job's NodeList from `scontrol show job`, which shrinks when
 * Slurm removes a node from the job (a failed node of a `--no-kill` job); the environment's list
 * when scontrol does not say.
 */
export async function liveAllocationNodes(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const opts: SlurmCommandOptions = { env };
  const info = await showJob(jobIdOf(env), opts);
  const nodelist = info.NodeList && info.NodeList !== '(null)' ? info.NodeList : env.SLURM_JOB_NODELIST;
  if (!nodelist) return [];
  return (await runSlurmCommand('scontrol', ['show', 'hostnames', nodelist], opts))
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * When the allocation ends (from `scontrol show job` EndTime, else StartTime + TimeLimit), or
 * undefined for an unlimited job. Slurm prints local time without a zone, which is what
 * `new Date("YYYY-MM-DDTHH:MM:SS")` assumes.
 */
export async function allocationEnd(env: NodeJS.ProcessEnv = process.env): Promise<Date | undefined> {
  const info = await showJob(jobIdOf(env), { env });
  return endFromJobInfo(info);
}

export function endFromJobInfo(info: Record<string, string>): Date | undefined {
  const end = info.EndTime;
  if (end && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(end)) return new Date(end);
  const limit = info.TimeLimit;
  const start = info.StartTime;
  if (!limit || limit === 'UNLIMITED' || limit === 'NONE' || !start || !/^\d{4}-/.test(start))
    return undefined;
  const sec = parseSlurmTime(limit);
  return sec === undefined ? undefined : new Date(new Date(start).getTime() + sec * 1000);
}
