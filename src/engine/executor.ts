/**
 * The contract between the engine (journal + scheduler) and the executors that run jobs
 * (`local`: a process pool on this machine; `pilot`: workers on the nodes of a Slurm allocation).
 * The engine only knows this interface; executors import it, never the other way round.
 *
 * Memory is in MB everywhere.
 */

/** What a worker offers. The scheduler packs jobs into it and never exceeds it. */
export interface WorkerInfo {
  id: string;
  /** node name (SLURMD_NODENAME or hostname) */
  node: string;
  memoryMB: number;
  cores: number;
  /**
   * Budgets' worth of jobs the worker accepts beyond its free budget and holds queued, starting
   * each as its own budget frees (the pilot's workers: no slot waits for a round trip to the
   * manager). 0 or absent: the worker is sent only what fits its free budget.
   */
  prefetch?: number;
}

/** A command job: any executable, argv array, never a shell string. */
export interface CommandPayload {
  kind: 'command';
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * A TypeScript task quantum, run inside a warm worker process that imported `module` once.
 * `quantumFile` is a JSON file (written by the engine into the submit dir) holding the
 * quantum: data ID, resolved inputs and predicted outputs with their datastore paths, and the
 * task config. The warm worker writes outputs atomically and reports them back.
 */
export interface TaskPayload {
  kind: 'task';
  /** absolute path or package specifier of the task module */
  module: string;
  /** named export holding the defineTask() result */
  exportName: string;
  quantumFile: string;
}

export type JobPayload = CommandPayload | TaskPayload;

export interface DispatchJob {
  id: string;
  label: string;
  attempt: number;
  payload: JobPayload;
  /** memory the job is allowed (and, with enforcement, killed above) */
  memoryMB: number;
  cpus: number;
  /** kill after this many seconds (0 or undefined: no limit) */
  timeoutSec?: number;
  /** kill the job when its process tree's RSS exceeds memoryMB */
  enforceMemory: boolean;
  /** where stdout+stderr of this attempt go (absolute path, on a filesystem the worker sees) */
  logPath: string;
  /**
   * the scheduler's priority (higher first): a worker that holds jobs queued (prefetch) starts
   * them in this order, the order dispatched among equals
   */
  priority?: number;
}

export type JobOutcome =
  | 'succeeded'
  | 'failed' // non-zero exit or signal
  | 'memory' // killed for exceeding memoryMB
  | 'timeout' // killed for exceeding timeoutSec
  | 'lost' // its worker vanished: not a failure of the job, re-queue without counting an attempt
  | 'cancelled'; // killed on request

export interface JobResult {
  id: string;
  attempt: number;
  outcome: JobOutcome;
  exitCode: number | null;
  signal: string | null;
  /** peak resident memory of the job's whole process tree, MB */
  peakMemoryMB: number;
  startedAt: number; // epoch ms
  endedAt: number; // epoch ms
  workerId: string;
  node: string;
  /** short human explanation for failures (e.g. "exceeded 2048 MB (peak 2301 MB)") */
  message?: string;
  /**
   * a task job that succeeded in a warm worker: each output it wrote, with its checksum. Such a
   * quantum's result travels here instead of in `<quantumFile>.result.json` (not written: one file
   * less per quantum); absent, the manager reads that file.
   */
  taskOutputs?: TaskOutput[];
}

/** One output a task quantum wrote (its dataset id) and the checksum of the file (commands' have none). */
export interface TaskOutput {
  id: string;
  checksum?: string;
}

/** The result of a job that never ran to an exit (a runner or worker error): failed, now. */
export function failedResult(
  job: Pick<DispatchJob, 'id' | 'attempt'>,
  where: { workerId: string; node: string },
  message: string,
): JobResult {
  return unstartedResult(job, where, 'failed', message);
}

/** The result of a job that ends without having started (it failed to, or was killed in a queue). */
export function unstartedResult(
  job: Pick<DispatchJob, 'id' | 'attempt'>,
  where: { workerId: string; node: string },
  outcome: JobResult['outcome'],
  message: string,
): JobResult {
  const now = Date.now();
  return {
    id: job.id,
    attempt: job.attempt,
    outcome,
    exitCode: null,
    signal: null,
    peakMemoryMB: 0,
    startedAt: now,
    endedAt: now,
    ...where,
    message,
  };
}

export interface ExecutorEvents {
  workerJoined(worker: WorkerInfo): void;
  /** the worker is gone; jobs it was running are reported separately with outcome 'lost' */
  workerLost(workerId: string, reason: string): void;
  jobStarted(jobId: string, workerId: string, startedAt: number): void;
  jobFinished(result: JobResult): void;
}

export interface Executor {
  readonly name: string;
  /** start workers (local: immediately; pilot: listen and launch); events flow from now on */
  start(events: ExecutorEvents): Promise<void>;
  /**
   * run `job` on `workerId`; the scheduler guarantees it fits the worker's free budget, or (a
   * worker with `prefetch`) its whole budget, the worker queueing it until it fits
   */
  dispatch(job: DispatchJob, workerId: string): void;
  /** kill a running job (outcome 'cancelled') */
  kill(jobId: string): void;
  /** stop everything: kill running jobs, stop workers, close sockets */
  shutdown(): Promise<void>;
}
