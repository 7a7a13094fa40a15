/**
 * The srun launcher: one worker per node of the allocation, each as its own job step
 * `srun -N1 -n1 -w NODE --exact --mem=... -c CPUS --ntasks-per-node=1 <worker command>`.
 * Every step names its memory and CPUs explicitly (a step without --mem or --exact may wait
 * forever for resources the batch step holds).
 */
import type { Launcher, WorkerLaunchSpec } from '../launcher.js';

export function srunArgv(spec: WorkerLaunchSpec, workerArgv: string[]): string[] {
  return [
    'srun',
    '-N1',
    '-n1',
    '-w',
    spec.node,
    '--exact',
    `--mem=${Math.max(0, Math.floor(spec.stepMemoryMB))}`,
    '--ntasks-per-node=1',
    '-c',
    String(spec.cpus),
    '--kill-on-bad-exit=0',
    `--job-name=quanta-worker-${spec.node}`,
    ...workerArgv,
  ];
}

export const srunLauncher: Launcher = { name: 'srun', argv: srunArgv };
