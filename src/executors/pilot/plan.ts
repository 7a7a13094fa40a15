/**
 * From the block's nodes (the provider's) and the site config to one worker launch per node: check
 * `nodes_per_block` against what Slurm gave us (a mismatch is a warning; the allocation wins,
 * as the seed's users were told to keep the two in sync by hand), and size each worker.
 */
import type { WorkerLaunchSpec } from '../launcher.js';
import type { BlockNode } from '../provider.js';
import { budgetFromNodeMemory } from './resources.js';

export interface PlanOptions {
  /** from `worker_options: --memory=MB` */
  workerMemoryMB?: number;
  /** from `worker_options: --cores=N` */
  workerCores?: number;
  /** `nodes_per_block` of the site config */
  nodesPerBlock?: number;
}

export interface WorkerPlan {
  specs: WorkerLaunchSpec[];
  warnings: string[];
}

export function planWorkers(nodes: BlockNode[], opts: PlanOptions): WorkerPlan {
  const warnings: string[] = [];
  if (opts.nodesPerBlock !== undefined && opts.nodesPerBlock !== nodes.length) {
    warnings.push(
      `nodes_per_block is ${opts.nodesPerBlock} but this Slurm allocation has ${nodes.length} node(s) ` +
        `(${nodes.map((n) => n.name).join(',')}): using the ${nodes.length} allocated node(s); ` +
        `set nodes_per_block to match #SBATCH --nodes`,
    );
  }
  const specs = nodes.map((n) => {
    const nodeMB = n.memoryMB;
    let workerMemoryMB = opts.workerMemoryMB ?? (nodeMB ? budgetFromNodeMemory(nodeMB) : 0);
    if (nodeMB && opts.workerMemoryMB && opts.workerMemoryMB > nodeMB) {
      warnings.push(
        `worker_options --memory=${opts.workerMemoryMB} exceeds the ${nodeMB} MB Slurm allocated on ${n.name}: ` +
          `the worker there advertises ${nodeMB} MB`,
      );
      workerMemoryMB = nodeMB;
    }
    return {
      node: n.name,
      cpus: n.cpus,
      stepMemoryMB: nodeMB ?? 0,
      workerMemoryMB,
      workerCores: opts.workerCores ?? n.cpus,
    };
  });
  return { specs, warnings };
}
