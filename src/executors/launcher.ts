/**
 * A launcher (Parsl's word) turns the command that starts one worker into the command that
 * starts it on a given node of the block: `srun` (launchers/srun.ts: one job step per node) or
 * `none` (launchers/none.ts: the command as is, on this machine). The pilot executor runs what
 * the launcher returns; it never builds an srun line itself.
 */

/** One worker to start: on which node, with what it may use and what it advertises. */
export interface WorkerLaunchSpec {
  node: string;
  /** CPUs of the block on this node (the worker's step takes all of them) */
  cpus: number;
  /** memory the step asks for, MB (0: all the block's memory on the node) */
  stepMemoryMB: number;
  /** what the worker advertises (0: let the worker detect it) */
  workerMemoryMB: number;
  workerCores: number;
}

export interface Launcher {
  readonly name: 'srun' | 'none';
  /** argv that runs `workerArgv` (a complete `quanta worker ...` command) for `spec` */
  argv(spec: WorkerLaunchSpec, workerArgv: string[]): string[];
}
