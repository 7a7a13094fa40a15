/**
 * The one place executors are constructed. An executor gets a provider (where its nodes come
 * from) and a launcher (how a worker starts on each): `local` is one worker on the local
 * provider's node with no launcher; `pilot` defaults to this Slurm allocation and srun, and takes
 * any other pair (the local provider and the `none` launcher run its workers as local processes).
 */
import type { SiteConfig } from '../config/index.js';
import type { Executor } from '../engine/executor.js';
import { UsageError } from '../errors.js';
import type { Launcher } from '../executors/launcher.js';
import { srunLauncher } from '../executors/launchers/srun.js';
import { LocalExecutor } from '../executors/local/local-executor.js';
import { createPilotExecutor } from '../executors/pilot/manager.js';
import type { PilotExecutorOptions } from '../executors/pilot/options.js';
import type { Provider } from '../executors/provider.js';
import { slurmProvider } from '../executors/providers/slurm/provider.js';

export const EXECUTOR_NAMES = ['local', 'pilot'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

/** The site config's keys the pilot reads. */
export type PilotSite = Partial<
  Pick<SiteConfig, 'nodesPerBlock' | 'workerMemoryMB' | 'workerCores' | 'maxResubmissions'>
>;

/** Which executor a run uses, and what it is built with. */
export interface ExecutorChoice {
  name: ExecutorName;
  /** local: cores and memory budget (default: the site's worker_options, else the machine less a reserve) */
  cores?: number;
  memoryMB?: number;
  /** worker sizes (pilot and local) and nodes_per_block (pilot) from the submit config */
  site?: PilotSite;
  /** pilot: where the nodes come from and how workers start (default: this Slurm allocation, srun) */
  provider?: Provider;
  launcher?: Launcher;
  /** pilot: further options (tests: listen host, heartbeats, worker command) */
  pilot?: Partial<PilotExecutorOptions>;
}

/** `--executor`, else the submit config's provider: Slurm -> the pilot, otherwise local. */
export function executorName(flag: string | undefined, provider: string | undefined): ExecutorName {
  const name = flag ?? (provider === 'Slurm' ? 'pilot' : 'local');
  if (!(EXECUTOR_NAMES as readonly string[]).includes(name)) {
    throw new UsageError('EXECUTOR_UNKNOWN', `unknown executor '${name}' (known: local, pilot)`, {
      key: '--executor',
    });
  }
  return name as ExecutorName;
}

/** The provider and launcher a pilot choice runs with. */
export function pilotBlock(
  choice: ExecutorChoice,
  env: NodeJS.ProcessEnv,
): { provider: Provider; launcher: Launcher } {
  return {
    provider: choice.provider ?? slurmProvider({ env }),
    launcher: choice.launcher ?? srunLauncher,
  };
}

export interface ExecutorContext {
  runId: string;
  submitDir: string;
  env?: NodeJS.ProcessEnv;
}

export function createExecutor(choice: ExecutorChoice, ctx: ExecutorContext): Executor {
  if (choice.name === 'local') {
    // --cores/--memory, else worker_options' --cores/--memory, else the machine less a reserve
    const cores = choice.cores ?? choice.site?.workerCores;
    const memoryMB = choice.memoryMB ?? choice.site?.workerMemoryMB;
    return new LocalExecutor({
      runId: ctx.runId,
      ...(cores ? { cores } : {}),
      ...(memoryMB ? { memoryMB } : {}),
    });
  }
  const env = ctx.env ?? process.env;
  return createPilotExecutor({
    submitDir: ctx.submitDir,
    ...pilotBlock(choice, env),
    env,
    workerMemoryMB: choice.site?.workerMemoryMB,
    workerCores: choice.site?.workerCores,
    nodesPerBlock: choice.site?.nodesPerBlock,
    ...choice.pilot,
  });
}
