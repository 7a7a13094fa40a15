/**
 * The local executor: one worker, the local provider's node (this machine), no launcher: jobs run
 * through the manager's own JobRunner. Its budget is the machine's cores and memory less a reserve
 * for the manager and the system (both can be overridden). On start, processes left behind by a
 * killed manager of the same run are stopped.
 */
import { failedResult } from '../../engine/executor.js';
import type { DispatchJob, Executor, ExecutorEvents, WorkerInfo } from '../../engine/executor.js';
import { JobRunner } from '../job-runner.js';
import { findProcessesWithEnv, processGroupOf } from '../proc-tree.js';
import { localNode } from '../providers/local.js';

export interface LocalExecutorOptions {
  /** memory budget in MB (default: total memory less `reserveMB`) */
  memoryMB?: number;
  /** default: min(2048 MB, 10% of total memory) */
  reserveMB?: number;
  /** cores (slots) (default: os.availableParallelism()) */
  cores?: number;
  warmTaskWorkers?: boolean;
  /** identifies this run's job processes (env QUANTA_RUN_ID), so orphans can be found after a crash */
  runId?: string;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly worker: WorkerInfo;
  private readonly runner: JobRunner;
  private events?: ExecutorEvents;

  constructor(private readonly opts: LocalExecutorOptions = {}) {
    const node = localNode();
    const reserve = opts.reserveMB ?? Math.min(2048, Math.floor(node.memoryMB * 0.1));
    this.worker = {
      id: 'local',
      node: node.name,
      memoryMB: opts.memoryMB ?? node.memoryMB - reserve,
      cores: opts.cores ?? node.cpus,
    };
    this.runner = new JobRunner({
      warmTaskWorkers: opts.warmTaskWorkers ?? true,
      env: opts.runId ? { QUANTA_RUN_ID: opts.runId } : {},
    });
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    if (this.opts.runId) killOrphans(this.opts.runId);
    events.workerJoined(this.worker);
  }

  dispatch(job: DispatchJob, workerId: string): void {
    const events = this.events;
    if (!events) throw new Error('LocalExecutor.dispatch before start');
    events.jobStarted(job.id, workerId, Date.now());
    this.runner.run(job, this.worker).then(
      (r) => events.jobFinished(r),
      (e: Error) =>
        events.jobFinished(
          failedResult(job, { workerId, node: this.worker.node }, `job runner error: ${e.message}`),
        ),
    );
  }

  kill(jobId: string): void {
    this.runner.kill(jobId, 'cancelled');
  }

  async shutdown(): Promise<void> {
    await this.runner.shutdown();
  }
}

/** Kill the process groups of jobs a previous (crashed) manager of this run left running. */
export function killOrphans(runId: string): number {
  const own = processGroupOf(process.pid);
  const groups = new Set<number>();
  for (const pid of findProcessesWithEnv('QUANTA_RUN_ID', runId)) {
    const g = processGroupOf(pid);
    if (g !== undefined && g !== own && g > 1) groups.add(g);
  }
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return groups.size;
}
