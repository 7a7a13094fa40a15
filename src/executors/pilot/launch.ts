/**
 * The launcher (Parsl's word): one worker per node of the allocation, each as its own job step
 * `srun -N1 -n1 -w NODE --exact --mem=... -c CPUS --ntasks-per-node=1 quanta worker ...`.
 * Every step names its memory and CPUs explicitly (the notes' gotcha: a step without --mem or
 * --exact may wait forever for resources the batch step holds). Step output goes to
 * `<submitDir>/pilot/worker-<node>.log`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkerLaunchSpec {
  node: string;
  /** CPUs of the allocation on this node (the step takes all of them) */
  cpus: number;
  /** memory the step asks Slurm for, MB (0: all the job's memory on the node) */
  stepMemoryMB: number;
  /** what the worker advertises (0: let the worker detect it) */
  workerMemoryMB: number;
  workerCores: number;
}

export interface LaunchOptions {
  managerUrl: string;
  tokenFile: string;
  logDir: string;
  specs: WorkerLaunchSpec[];
  /** argv that starts `quanta worker` (default: this Node + bin/quanta.js worker) */
  workerCommand?: string[];
  env?: NodeJS.ProcessEnv;
}

export function defaultWorkerCommand(): string[] {
  const bin = fileURLToPath(new URL('../../../bin/quanta.js', import.meta.url));
  return [process.execPath, bin, 'worker'];
}

export function srunArgv(spec: WorkerLaunchSpec, opts: LaunchOptions): string[] {
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
    ...(opts.workerCommand ?? defaultWorkerCommand()),
    '--manager',
    opts.managerUrl,
    '--token-file',
    opts.tokenFile,
    // 0: unknown here; the worker then sizes itself from what it sees on its node
    ...(spec.workerMemoryMB > 0 ? ['--memory', String(spec.workerMemoryMB)] : []),
    '--cores',
    String(spec.workerCores),
    '--node',
    spec.node,
  ];
}

export interface LaunchedStep {
  node: string;
  child: ChildProcess;
  exited: boolean;
  exitCode: number | null;
}

/** Start one srun step per spec; returns at once (steps run in the background). */
export function launchWorkers(opts: LaunchOptions, onExit: (step: LaunchedStep) => void): LaunchedStep[] {
  return opts.specs.map((spec) => {
    const argv = srunArgv(spec, opts);
    const fd = openSync(join(opts.logDir, `worker-${spec.node}.log`), 'a');
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
    closeSync(fd);
    const step: LaunchedStep = { node: spec.node, child, exited: false, exitCode: null };
    const done = (code: number | null) => {
      if (step.exited) return;
      step.exited = true;
      step.exitCode = code;
      onExit(step);
    };
    child.once('error', () => done(null));
    child.once('exit', (code) => done(code));
    return step;
  });
}

/** Wait for steps to end; after `graceMs` signal srun (twice = cancel the step), then kill it. */
export async function stopSteps(steps: LaunchedStep[], graceMs: number): Promise<void> {
  const live = () => steps.filter((s) => !s.exited);
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t0 = Date.now();
      const tick = () => (live().length === 0 || Date.now() - t0 >= ms ? resolve() : setTimeout(tick, 50));
      tick();
    });
  await wait(graceMs);
  for (const s of live()) s.child.kill('SIGINT');
  setTimeout(() => live().forEach((s) => s.child.kill('SIGINT')), 100).unref();
  await wait(3000);
  for (const s of live()) s.child.kill('SIGKILL');
}
