/**
 * What a worker offers: memory and cores. As in Work Queue, `--memory MB` (the seed's
 * `worker_options: "--memory=90000"`) wins; otherwise the node's memory (the Slurm allocation's
 * share when known) less a reserve for the worker itself and a safety margin, and the cores Slurm
 * gave us on this node (else every core of the machine).
 */
import { availableParallelism, totalmem } from 'node:os';

export interface WorkerBudget {
  memoryMB: number;
  cores: number;
}

/**
 * Memory kept back when the budget is derived from the node: 10 % of it, at least 256 MB and
 * at most 4 GB (a 96 GB node keeps 4 GB back, a 4 GB test node 400 MB).
 */
export function memoryReserveMB(totalMB: number): number {
  return Math.min(4096, Math.max(256, Math.round(totalMB * 0.1)));
}

export function budgetFromNodeMemory(totalMB: number): number {
  return Math.max(1, Math.floor(totalMB - memoryReserveMB(totalMB)));
}

function positiveInt(v: string | undefined): number | undefined {
  if (!v || !/^\d+$/.test(v.trim())) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/** The budget this worker advertises. */
export function detectWorkerBudget(
  opts: { memoryMB?: number; cores?: number },
  env: NodeJS.ProcessEnv = process.env,
): WorkerBudget {
  const nodeMB = positiveInt(env.SLURM_MEM_PER_NODE) ?? Math.floor(totalmem() / (1024 * 1024));
  const memoryMB = opts.memoryMB ?? budgetFromNodeMemory(nodeMB);
  const cores = opts.cores ?? positiveInt(env.SLURM_CPUS_ON_NODE) ?? availableParallelism();
  return { memoryMB, cores };
}
