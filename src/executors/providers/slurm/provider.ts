/**
 * The Slurm provider: the allocation of the current batch job as a block (its nodes from
 * `scontrol show hostnames` and the job's environment, its end from `scontrol show job`), and
 * blocks in the queue (`sbatch`, `squeue`, `scancel`).
 */
import type { BlockDeadline, Provider } from '../../provider.js';
import { allocationNodes, liveAllocationNodes } from './allocation.js';
import type { SlurmCommandOptions } from './commands.js';
import { slurmDeadline } from './deadline.js';
import { blockState, cancelBlock } from './queue.js';
import { submitSbatch } from './sbatch.js';

export interface SlurmProvider extends Provider {
  readonly name: 'slurm';
  /** sbatch a batch script; returns the job id */
  submit(script: string, opts?: { dependency?: string; cwd?: string }): Promise<string>;
  /** the job's state while it is in the queue, else undefined */
  state(jobId: string): Promise<string | undefined>;
  cancel(jobId: string): Promise<void>;
}

export interface SlurmProviderOptions {
  env?: NodeJS.ProcessEnv;
  /** seconds to keep before the allocation's end (default: see marginFor) */
  marginSec?: number;
}

export function slurmProvider(opts: SlurmProviderOptions = {}): SlurmProvider {
  const env = opts.env ?? process.env;
  const cmd: SlurmCommandOptions = { env };
  return {
    name: 'slurm',
    nodes: () => allocationNodes(env),
    liveNodes: () => liveAllocationNodes(env),
    async deadline(): Promise<BlockDeadline | undefined> {
      const d = await slurmDeadline(env, opts.marginSec);
      return d && { deadline: d.deadline, marginSec: d.deadlineMarginSec };
    },
    submit: (script, o = {}) => submitSbatch(script, { ...cmd, ...o }),
    state: (jobId) => blockState(jobId, cmd),
    cancel: (jobId) => cancelBlock(jobId, cmd),
  };
}
