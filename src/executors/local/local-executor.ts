/**
 * The local executor: one worker, the local provider's node (this machine), no launcher: jobs run
 * through the manager's own JobRunner. Its budget is the machine's cores and memory less a reserve
 * for the manager and the system (both can be overridden). On start, processes left behind by a
 * killed manager of the same run are stopped.
 * Prefetch (docs/engine.md, "Prefetch"): the worker tells the engine it holds `prefetch` budgets'
 * worth of jobs queued beyond its free budget; queued jobs start here, in the order dispatched, as
 * soon as jobs that end free their memory and cores, so no slot waits for the engine's next tick.
 * Task jobs go one step further (lanes): a quantum may be queued in the warm process of a
 * running quantum at least as large, which starts it when that one ends (no round trip through
 * the manager at all); the lane keeps the first quantum's memory and cores until its last ends.
 */
import { failedResult, unstartedResult } from '../../engine/executor.js';
import type { DispatchJob, Executor, ExecutorEvents, JobResult, WorkerInfo } from '../../engine/executor.js';
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
  /**
   * budgets' worth of jobs held queued beyond the free budget (default 32; 0: none, each job is
   * started by the engine's tick when its budget is free)
   */
  prefetch?: number;
  /** quanta queued in one warm process behind the one it runs (default 32; 0: no lanes) */
  laneDepth?: number;
  /** identifies this run's job processes (env QUANTA_RUN_ID), so orphans can be found after a crash */
  runId?: string;
}

/**
 * Why 32: with 2 slots, quanta go to a warm process ~16 per IPC message (a lane refills at half
 * its depth); at 8 the messages, each a synchronous write for this process, cost ~30% more time
 * per quantum (bench engine --only=warm, 2026-12-03). The cost is the order: jobs dispatched are
 * started first come, first served, whatever became ready since.
 */
const DEFAULT_PREFETCH = 32;
const DEFAULT_LANE_DEPTH = 32;

/** Quanta running one after the other in one warm process, in the budget of the first. */
interface Lane {
  memoryMB: number;
  cpus: number;
  /** jobs of the lane not ended (the one running and those queued behind it), in order */
  members: Set<string>;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly worker: WorkerInfo;
  private readonly runner: JobRunner;
  private events?: ExecutorEvents;
  /** dispatched jobs not handed to the runner yet, in the order dispatched */
  private readonly queue: DispatchJob[] = [];
  /** the budget not taken by jobs (and lanes) handed to the runner */
  private readonly free: { memoryMB: number; cores: number };
  private readonly lanes = new Map<string, Lane>();
  private readonly laneDepth: number;
  private readonly warm: boolean;

  constructor(private readonly opts: LocalExecutorOptions = {}) {
    const node = localNode();
    const reserve = opts.reserveMB ?? Math.min(2048, Math.floor(node.memoryMB * 0.1));
    this.worker = {
      id: 'local',
      node: node.name,
      memoryMB: opts.memoryMB ?? node.memoryMB - reserve,
      cores: opts.cores ?? node.cpus,
      ...((opts.prefetch ?? DEFAULT_PREFETCH) > 0 ? { prefetch: opts.prefetch ?? DEFAULT_PREFETCH } : {}),
    };
    this.free = { memoryMB: this.worker.memoryMB, cores: this.worker.cores };
    this.warm = opts.warmTaskWorkers ?? true;
    this.laneDepth = Math.max(0, opts.laneDepth ?? DEFAULT_LANE_DEPTH);
    this.runner = new JobRunner({
      warmTaskWorkers: this.warm,
      env: opts.runId ? { QUANTA_RUN_ID: opts.runId } : {},
    });
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    if (this.opts.runId) killOrphans(this.opts.runId);
    events.workerJoined(this.worker);
  }

  dispatch(job: DispatchJob, workerId: string): void {
    if (!this.events) throw new Error('LocalExecutor.dispatch before start');
    if (workerId !== this.worker.id) throw new Error(`LocalExecutor.dispatch to unknown worker ${workerId}`);
    // by priority, a retry first among equals, then in the order dispatched: a job that became
    // ready later but unlocks more work does not wait behind the whole queue, and a retry runs
    // as soon as it would have without prefetch (lanes, already sent, keep their order)
    let i = this.queue.length;
    while (i > 0 && goesBefore(job, this.queue[i - 1])) i--;
    this.queue.splice(i, 0, job);
    this.drain();
  }

  /** Jobs dispatched and not handed to the runner yet (tests). */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Hand queued jobs to the runner, in queue order (priority, then dispatch): the first while it fits the free budget (or nothing
   * runs: a job too big never stalls the queue), then, for quanta, behind a lane it fits.
   * A lane takes more only once it is down to half its depth, so quanta go to a warm process
   * several at a time, in one IPC message.
   */
  private drain(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0];
      const nothingRuns = this.runner.size === 0;
      if ((job.memoryMB <= this.free.memoryMB && job.cpus <= this.free.cores) || nothingRuns) {
        this.queue.shift();
        this.free.memoryMB -= job.memoryMB;
        this.free.cores -= job.cpus;
        const lane = this.laneFor(job)
          ? { memoryMB: job.memoryMB, cpus: job.cpus, members: new Set<string>() }
          : undefined;
        if (lane) this.lanes.set(job.id, lane);
        this.launch(job, lane);
        continue;
      }
      const lane = this.laneFor(job) ? this.openLane(job) : undefined;
      if (!lane) return;
      this.queue.shift();
      this.launch(job, lane, [...lane.members].pop());
    }
  }

  private laneFor(job: DispatchJob): boolean {
    return this.warm && this.laneDepth > 0 && job.payload.kind === 'task';
  }

  /** The lane `job` fits with the fewest queued, among those down to half their depth. */
  private openLane(job: DispatchJob): Lane | undefined {
    let best: Lane | undefined;
    let bestQueued = Infinity;
    for (const lane of this.lanes.values()) {
      if (job.memoryMB > lane.memoryMB || job.cpus > lane.cpus || lane.members.size === 0) continue;
      const last = [...lane.members].pop() as string;
      const queued = this.runner.queuedAfter(last);
      if (queued >= this.laneDepth || (queued > this.laneDepth / 2 && !this.filling.has(lane))) continue;
      if (queued < bestQueued) {
        best = lane;
        bestQueued = queued;
      }
    }
    if (best) {
      this.filling.add(best);
      if (!this.fillReset) {
        this.fillReset = true;
        queueMicrotask(() => {
          this.filling.clear();
          this.fillReset = false;
        });
      }
    }
    return best;
  }

  /** lanes being filled in this turn (they take up to their depth, not only half) */
  private readonly filling = new Set<Lane>();
  private fillReset = false;

  private launch(job: DispatchJob, lane: Lane | undefined, after?: string): void {
    const events = this.events as ExecutorEvents;
    const workerId = this.worker.id;
    lane?.members.add(job.id);
    const onStart = () => events.jobStarted(job.id, workerId, Date.now());
    this.runner.run(job, this.worker, { onStart, ...(after ? { after } : {}) }).then(
      (r) => this.ended(job, lane, r),
      (e: Error) =>
        this.ended(
          job,
          lane,
          failedResult(job, { workerId, node: this.worker.node }, `job runner error: ${e.message}`),
        ),
    );
  }

  private ended(job: DispatchJob, lane: Lane | undefined, r: JobResult): void {
    if (lane) {
      lane.members.delete(job.id);
      if (lane.members.size === 0) {
        for (const [id, l] of this.lanes) if (l === lane) this.lanes.delete(id);
        this.free.memoryMB += lane.memoryMB;
        this.free.cores += lane.cpus;
      }
    } else {
      this.free.memoryMB += job.memoryMB;
      this.free.cores += job.cpus;
    }
    if (r.outcome === 'succeeded') {
      // start what waits before telling the engine: the slot does not wait for its tick
      this.drain();
      this.events?.jobFinished(r);
      return;
    }
    // a job that did not succeed may come back as a retry: the engine's tick (queued before this
    // setImmediate) dispatches it first, and it takes the slot, as it would without prefetch
    this.events?.jobFinished(r);
    setImmediate(() => this.drain());
  }

  kill(jobId: string): void {
    const q = this.queue.findIndex((j) => j.id === jobId);
    if (q < 0) {
      this.runner.kill(jobId, 'cancelled');
      return;
    }
    // never started: it ends here, as a running job killed on request would
    const [job] = this.queue.splice(q, 1);
    const where = { workerId: this.worker.id, node: this.worker.node };
    this.events?.jobFinished(unstartedResult(job, where, 'cancelled', 'cancelled on request'));
  }

  async shutdown(): Promise<void> {
    this.queue.length = 0; // never started; the engine is done with them
    await this.runner.shutdown();
  }
}

/** Whether queued `a` starts before queued `b`: higher priority, then a retry, then first come. */
function goesBefore(a: DispatchJob, b: DispatchJob): boolean {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  return pa > pb || (pa === pb && a.attempt > 1 && b.attempt === 1);
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
