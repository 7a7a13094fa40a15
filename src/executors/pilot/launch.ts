/**
 * Starting the workers of a block: for each node the worker command (`quanta worker --manager
 * URL --token-file F ...`), wrapped by the launcher (srun: one job step per node; none: as is),
 * run in the background with its output in `<submitDir>/pilot/worker-<node>.log`; and stopping
 * them at shutdown.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Launcher, WorkerLaunchSpec } from '../launcher.js';

export type { WorkerLaunchSpec } from '../launcher.js';

export interface LaunchOptions {
  managerUrl: string;
  tokenFile: string;
  logDir: string;
  specs: WorkerLaunchSpec[];
  launcher: Launcher;
  /** argv that starts `quanta worker` (default: this Node + bin/quanta.js worker) */
  workerCommand?: string[];
  env?: NodeJS.ProcessEnv;
}

export function defaultWorkerCommand(): string[] {
  const bin = fileURLToPath(new URL('../../../bin/quanta.js', import.meta.url));
  return [process.execPath, bin, 'worker'];
}

/** The complete `quanta worker ...` command for one node (before the launcher wraps it). */
export function workerArgv(
  spec: WorkerLaunchSpec,
  opts: Omit<LaunchOptions, 'specs' | 'launcher' | 'logDir'>,
): string[] {
  return [
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

/** Start one worker per spec through the launcher; returns at once (they run in the background). */
export function launchWorkers(opts: LaunchOptions, onExit: (step: LaunchedStep) => void): LaunchedStep[] {
  return opts.specs.map((spec) => {
    const argv = opts.launcher.argv(spec, workerArgv(spec, opts));
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

/** Wait for steps to end; after `graceMs` signal them (srun: twice = cancel the step), then kill them. */
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
