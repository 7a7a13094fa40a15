/**
 * What the pilot executor is configured with and what it exposes beyond the Executor contract,
 * plus how it picks the address it tells workers to connect to.
 */
import { networkInterfaces } from 'node:os';
import type { Executor, WorkerInfo } from '../../engine/executor.js';
import type { Launcher } from '../launcher.js';
import type { Provider } from '../provider.js';
import type { PilotLog } from './pilot-log.js';

export interface PilotExecutorOptions {
  submitDir: string;
  /** the run's secret (default: `<submitDir>/token`, created when absent) */
  token?: string;
  /** address to listen on (default 0.0.0.0) */
  listenHost?: string;
  /** address workers are told to connect to (default: $QUANTA_PILOT_HOST, else this node's first external IPv4) */
  advertiseHost?: string;
  port?: number;
  /** start() waits until this many workers joined (default: one per launched node, else none) */
  expectedWorkers?: number;
  /**
   * Where the nodes come from (local, slurm) and how a worker is started on each (srun, none).
   * Give both, and start() launches one worker per node of the provider's block; give neither,
   * and workers are started by someone else (they connect to `url`).
   */
  provider?: Provider;
  launcher?: Launcher;
  workerMemoryMB?: number;
  workerCores?: number;
  nodesPerBlock?: number;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** how long start() waits for the expected workers (default 120 s) */
  joinTimeoutMs?: number;
  workerCommand?: string[];
  env?: NodeJS.ProcessEnv;
  log?: PilotLog;
  /** relaunches of a node's worker step that ended during the run (default: $QUANTA_PILOT_MAX_RELAUNCHES, else 5) */
  maxRelaunches?: number;
  /** delay before a node's first relaunch, doubled per relaunch (default: $QUANTA_PILOT_RELAUNCH_DELAY_MS, else 2000) */
  relaunchDelayMs?: number;
  /**
   * budgets' worth of jobs each worker is sent beyond its free budget, which it queues and starts
   * as its own jobs end, so no slot waits for a round trip to the manager (default:
   * $QUANTA_PILOT_PREFETCH, else 2; 0: only what fits; 1: one more budget queued)
   */
  prefetch?: number;
}

export interface PilotWorker extends WorkerInfo {
  pid: number;
  remote: string;
  running: string[];
}

export interface PilotExecutor extends Executor {
  /** tcp://HOST:PORT, valid after start() */
  readonly url: string;
  workers(): PilotWorker[];
}

/** The address workers are told: explicit, $QUANTA_PILOT_HOST, else this node's first external IPv4. */
export function advertisedHost(
  listenHost: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (explicit) return explicit;
  if (env.QUANTA_PILOT_HOST) return env.QUANTA_PILOT_HOST;
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  return externalIPv4() ?? '127.0.0.1';
}

function externalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export function envInt(v: string | undefined): number | undefined {
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}
