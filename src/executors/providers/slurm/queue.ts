/**
 * Blocks in Slurm's queue: the state of a batch job (`squeue`) and cancelling one (`scancel`).
 * A job that left the queue has no squeue line: it is reported as undefined.
 */
import { runSlurmCommand } from './commands.js';
import type { SlurmCommandOptions } from './commands.js';

/** `squeue -h -j ID -o %T`: PENDING, RUNNING, COMPLETING, ...; undefined once the job left the queue. */
export async function blockState(jobId: string, opts: SlurmCommandOptions = {}): Promise<string | undefined> {
  let out: string;
  try {
    out = await runSlurmCommand('squeue', ['-h', '-j', jobId, '-o', '%T'], opts);
  } catch (e) {
    // squeue refuses ids slurmctld already forgot ("Invalid job id specified")
    if (/Invalid job id/i.test((e as Error).message)) return undefined;
    throw e;
  }
  return out.trim().split('\n')[0] || undefined;
}

/** `scancel ID`. */
export async function cancelBlock(jobId: string, opts: SlurmCommandOptions = {}): Promise<void> {
  await runSlurmCommand('scancel', [jobId], opts);
}
