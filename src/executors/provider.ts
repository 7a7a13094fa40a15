/**
 * A provider (Parsl's word) knows where the nodes of a run come from: the block this process
 * runs in (its nodes with their CPUs and memory, and when it ends). `local` is this machine as a
 * block of one node without an end; `slurm` is the allocation of the current batch job
 * (providers/slurm/, which also submits new blocks with sbatch). Executors get a provider through
 * their options and never ask Slurm themselves.
 */

/** One node of a block, as the provider sees it. */
export interface BlockNode {
  name: string;
  cpus: number;
  /** memory of the block on this node, MB (undefined when the provider does not know) */
  memoryMB?: number;
}

/** When the block ends and how long before that every job must be done. */
export interface BlockDeadline {
  /** epoch ms */
  deadline: number;
  marginSec: number;
}

export interface Provider {
  readonly name: 'local' | 'slurm';
  /** the nodes of the block this process runs in */
  nodes(): Promise<BlockNode[]>;
  /**
   * names of the block's nodes now, when that can change during the block (Slurm removes a failed
   * node from a job); without it, the names of `nodes()`
   */
  liveNodes?(): Promise<string[]>;
  /** the block's end, or undefined when it has none */
  deadline(): Promise<BlockDeadline | undefined>;
}
