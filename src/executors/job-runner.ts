/**
 * Runs one job on this machine: the piece shared by the local executor and the pilot worker.
 * Command jobs are child processes in their own process group (argv arrays, never a shell),
 * started by small spawner processes (SpawnerPool), stdout+stderr appended to the job's log
 * file. Task jobs run in warm Node processes (WarmPool).
 * The resident memory of each job's process tree is sampled from /proc every ~100 ms, and the pids
 * seen in the tree are kept; the whole tree (group, descendants, the pids seen) is killed when it
 * exceeds the job's memory (when enforced), on timeout, or on request, and what was seen of it is
 * killed once the job ended (the spawner kills what carries the job's tag: tree-kill.ts).
 * Under a lease (setLease: the pilot worker's self-fencing, parent-lease.ts) the spawner and warm
 * processes kill their jobs when this process falls silent; such a job ends `lost`, not `failed`.
 * A task job may be queued behind another one in its warm process (`run(..., { after })`): it
 * starts there when that one ends; until then it has no process, is not sampled, and a kill takes
 * it out of the queue (`cancelled`); if the process dies first it ends `lost` (it never ran).
 * A job killed by SIGTERM/SIGINT/SIGHUP that the runner did not send (nor did its spawner die of
 * one) may be the first sign of Slurm ending the whole step: its result is held back for a
 * moment, and a shutdown in that moment makes it `lost`, a kill of it `cancelled` (what they make
 * of a running job), so that the end of an allocation never fails the jobs it stopped.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DispatchJob, JobOutcome, JobResult, TaskOutput } from '../engine/executor.js';
import { siblingEntry } from './entry-point.js';
import { readProc, sampleTrees } from './proc-tree.js';
import type { SpawnerKind } from './spawner-choice.js';
import { SpawnerPool, type CommandEnded } from './spawner-pool.js';
import { signalSeen, signalTree } from './tree-kill.js';
import { WarmPool } from './warm-pool.js';

export interface JobRunnerOptions {
  /** run task jobs in reused warm processes (default true) */
  warmTaskWorkers?: boolean;
  /** memory sampling period (default 100 ms) */
  sampleIntervalMs?: number;
  /** time between SIGTERM and SIGKILL for timeouts and cancels (default 2000 ms) */
  killGraceMs?: number;
  /** extra environment for every job (e.g. QUANTA_RUN_ID, so orphans can be found after a crash) */
  env?: Record<string, string>;
  /** spawner processes that start command jobs in parallel (default 2; see spawner-process.ts) */
  spawners?: number;
  /** python or node spawner processes (default: QUANTA_SPAWNER, else spawner-choice.ts) */
  spawner?: SpawnerKind;
  /**
   * how long the result of a job killed by SIGTERM/SIGINT/SIGHUP that this runner did not send
   * is held back (default 1000 ms): when this runner is shut down meanwhile (the signal was
   * Slurm ending the whole step or allocation), the job ends `lost`, not `failed`
   */
  stopSignalGraceMs?: number;
}

/** How to start a job (`JobRunner.run`). */
export interface RunJobOptions {
  /**
   * a task job (warm workers): queue it in the warm process that runs or holds `after`, to start
   * when the quanta before it there end; ignored for other jobs
   */
  after?: string;
  /** called once the job's process started (for `after`: once its warm process says so) */
  onStart?: () => void;
}

interface Ended {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  message?: string;
  fenced?: boolean;
  notStarted?: 'dropped' | 'process-exited';
  /** the spawner that ran the command died of this signal */
  spawnerSignal?: string;
  /** a task quantum run warm: what it wrote (JobResult.taskOutputs) */
  outputs?: TaskOutput[];
}

type KillReason = 'memory' | 'timeout' | 'cancelled';

/**
 * Signals that end every process of a Slurm step or allocation together (and a node's shutdown):
 * a job killed by one that its runner did not send may have been stopped by the same event as
 * the runner, not by a fault of its own.
 */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);
const isStopSignal = (signal: string | null | undefined): boolean =>
  signal != null && STOP_SIGNALS.has(signal);

/** What a job killed by a stop signal became when a stop came within the grace (stopSignalGraceMs). */
type StoppedAs = 'lost' | 'cancelled';

interface Tracked {
  job: DispatchJob;
  pid?: number;
  /** when the process started (performance.now()) */
  since?: number;
  peakMB: number;
  /** processes seen in the job's tree (pid -> start time), the root not included: orphans too */
  seen: Map<number, number>;
  killReason?: KillReason;
  killDetail?: string;
  /** epoch ms the job started (set when its process starts) */
  startedAt?: number;
  onStart?: () => void;
  after?: string;
  timer?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;
}

export class JobRunner {
  private readonly running = new Map<string, Tracked>();
  /** log directories made already (one mkdir per label, not per job) */
  private readonly logDirs = new Set<string>();
  private sampler?: NodeJS.Timeout;
  private readonly pool: WarmPool;
  private readonly spawners: SpawnerPool;
  private readonly sampleMs: number;
  private readonly graceMs: number;
  private readonly warm: boolean;
  private readonly env: Record<string, string>;
  private readonly stopSignalGraceMs: number;
  /** shutdown() was called */
  private stopping = false;
  /**
   * jobs killed by a stop signal, waiting to learn whether they are being stopped too: job id ->
   * wake('lost': this runner shut down; 'cancelled': the job killed on request)
   */
  private readonly stopWaiters = new Map<string, (how: StoppedAs) => void>();

  constructor(opts: JobRunnerOptions = {}) {
    this.warm = opts.warmTaskWorkers ?? true;
    this.sampleMs = opts.sampleIntervalMs ?? 100;
    this.graceMs = opts.killGraceMs ?? 2000;
    this.env = opts.env ?? {};
    this.stopSignalGraceMs = opts.stopSignalGraceMs ?? 1000;
    this.pool = new WarmPool(this.env);
    this.spawners = new SpawnerPool(opts.spawners ?? 2, this.env, opts.spawner);
  }

  /**
   * Self-fencing for a pilot worker: when this process does not renew for `ms` (frozen, stalled),
   * the processes that run its jobs kill them, and they end with outcome 'lost'. 0: off.
   */
  setLease(ms: number): void {
    this.spawners.setLease(ms);
    this.pool.setLease(ms);
  }

  /** Number of jobs running now. */
  get size(): number {
    return this.running.size;
  }

  /** Warm processes' IPC counts (tests, benches). */
  get warmStats(): Readonly<{ messages: number; quanta: number }> {
    return this.pool.stats;
  }

  /** Quanta queued (not started) in the warm process that runs or holds `jobId`. */
  queuedAfter(jobId: string): number {
    return this.pool.queuedAfter(jobId);
  }

  async run(
    job: DispatchJob,
    worker: { id: string; node: string },
    opts: RunJobOptions = {},
  ): Promise<JobResult> {
    const t: Tracked = { job, peakMB: 0, seen: new Map(), ...opts };
    this.running.set(job.id, t);
    const calledAt = Date.now();
    let r: Ended;
    try {
      const logDir = dirname(job.logPath);
      if (!this.logDirs.has(logDir)) {
        mkdirSync(logDir, { recursive: true, mode: 0o700 }); // run files are the owner's (logs may quote secrets)
        this.logDirs.add(logDir);
      }
      r = await this.execute(t);
    } finally {
      this.finish(t);
      // the job is over: nothing it started may outlive it (a reparented orphan is no longer in
      // its tree; one that kept the job's tag the spawner has killed already)
      signalSeen(t.seen, 'SIGKILL');
    }
    const { exitCode, signal } = r;
    const ok = r.ok && !t.killReason;
    let message = r.message;
    let stoppedAs: StoppedAs | undefined;
    let outcome: JobOutcome = ok ? 'succeeded' : 'failed';
    if (r.notStarted === 'dropped') {
      outcome = 'cancelled';
    } else if (r.notStarted && !t.killReason) {
      outcome = 'lost'; // it never ran: the engine re-queues it without using a retry
    } else if (t.killReason) {
      outcome = t.killReason;
      message = t.killDetail;
    } else if (r.fenced) {
      outcome = 'lost'; // not the job's own failure: the engine re-queues it without using a retry
    } else if (
      !ok &&
      isStopSignal(signal ?? r.spawnerSignal) &&
      (stoppedAs = await this.stoppedWithin(job.id, this.stopSignalGraceMs))
    ) {
      // the signal that ended the job (or its spawner) came with this runner's own stop, or the
      // engine's (Slurm ending the step signals them all): what a stop makes of a running job
      outcome = stoppedAs;
      message = `${message ?? `killed by ${signal}`}, as its ${stoppedAs === 'lost' ? 'worker' : 'run'} was being stopped: not a failure of the job`;
    } else if (!ok && !message) {
      message = signal ? `killed by ${signal}` : `exited with code ${exitCode}`;
    }
    return {
      id: job.id,
      attempt: job.attempt,
      outcome,
      exitCode,
      signal,
      peakMemoryMB: Math.round(t.peakMB),
      startedAt: t.startedAt ?? calledAt,
      endedAt: Date.now(),
      workerId: worker.id,
      node: worker.node,
      ...(message ? { message } : {}),
      ...(outcome === 'succeeded' && r.outputs ? { taskOutputs: r.outputs } : {}),
    };
  }

  private async execute(t: Tracked): Promise<Ended> {
    const p = t.job.payload;
    if (p.kind === 'command') {
      const r = await this.runCommand(t, p.argv, p.env, p.cwd);
      return { ...r, ok: r.exitCode === 0 };
    }
    if (this.warm) {
      const req = {
        type: 'run' as const,
        jobId: t.job.id,
        quantumFile: p.quantumFile,
        logPath: t.job.logPath,
      };
      const onStart = (pid: number) => this.started(t, pid);
      const queued = t.after === undefined ? undefined : this.pool.runAfter(t.after, req, onStart);
      const r = await (queued ?? this.pool.run(req, onStart));
      return { ...r, exitCode: r.ok ? 0 : r.exitCode };
    }
    const r = await this.runCommand(t, coldTaskArgv(p.quantumFile), undefined, undefined);
    return { ...r, ok: r.exitCode === 0 };
  }

  /** Kill a running job (its whole process tree); its result comes back with outcome 'cancelled'. */
  kill(jobId: string, reason: 'cancelled' = 'cancelled'): void {
    const t = this.running.get(jobId);
    if (!t) {
      this.stopWaiters.get(jobId)?.('cancelled'); // dead already, its result held back: killed now
      return;
    }
    // waiting in a warm process: taken out of its queue, it never starts
    if (t.pid === undefined && this.pool.drop(jobId)) return;
    this.terminate(t, reason, 'cancelled on request', false);
  }

  /** Kill every running job and every warm process. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.stopWaiters.values()) wake('lost');
    for (const t of this.running.values()) this.terminate(t, 'cancelled', 'executor shut down', true);
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    await Promise.all([this.pool.shutdown(), this.spawners.shutdown()]);
  }

  private runCommand(
    t: Tracked,
    argv: string[],
    env: Record<string, string> | undefined,
    cwd: string | undefined,
  ): Promise<CommandEnded> {
    return this.spawners.run(
      {
        argv,
        env: { ...env, QUANTA_JOB_ID: t.job.id, QUANTA_ATTEMPT: String(t.job.attempt) },
        ...(cwd ? { cwd } : {}),
        logPath: t.job.logPath,
      },
      (pid) => this.started(t, pid),
    );
  }

  private started(t: Tracked, pid: number): void {
    t.pid = pid;
    t.since = performance.now();
    t.startedAt = Date.now();
    t.onStart?.();
    if (t.killReason) {
      // killed while its spawner was starting it
      signalTree(pid, 'SIGKILL');
      return;
    }
    if (t.job.timeoutSec && t.job.timeoutSec > 0) {
      t.timer = setTimeout(
        () => this.terminate(t, 'timeout', `timed out after ${t.job.timeoutSec} s`, false),
        t.job.timeoutSec * 1000,
      );
    }
    if (!this.sampler) {
      this.sampler = setInterval(() => this.sample(), this.sampleMs);
      this.sampler.unref();
    }
  }

  private sample(): void {
    // jobs younger than half a period are left for the next tick: trivial jobs then cost no /proc reads
    const young = performance.now() - this.sampleMs / 2;
    const list = [...this.running.values()].filter(
      (t) => t.pid !== undefined && !t.killReason && (t.since ?? 0) <= young,
    );
    if (list.length === 0) {
      if (this.running.size === 0 && this.sampler) {
        clearInterval(this.sampler);
        this.sampler = undefined;
      }
      return;
    }
    const trees = sampleTrees(list.map((t) => t.pid as number));
    for (const t of list) {
      const tree = trees.get(t.pid as number);
      let mb = tree?.mb ?? 0;
      for (const [pid, start] of tree?.pids ?? []) t.seen.set(pid, start);
      // orphans (reparented to init, out of the tree now) still count while they run
      for (const [pid, start] of t.seen) {
        if (tree?.pids.has(pid)) continue;
        const e = readProc(pid);
        if (e?.start === start) mb += e.rssKB / 1024;
        else t.seen.delete(pid);
      }
      if (mb > t.peakMB) t.peakMB = mb;
      if (t.job.enforceMemory && mb > t.job.memoryMB) {
        this.terminate(t, 'memory', `exceeded ${t.job.memoryMB} MB (peak ${Math.round(mb)} MB)`, true);
      }
    }
  }

  private terminate(t: Tracked, reason: KillReason, detail: string, now: boolean): void {
    if (t.killReason) return;
    t.killReason = reason;
    t.killDetail = detail;
    if (t.pid === undefined) return;
    const pid = t.pid;
    signalTree(pid, now ? 'SIGKILL' : 'SIGTERM', t.seen);
    if (!now) {
      t.graceTimer = setTimeout(() => signalTree(pid, 'SIGKILL', t.seen), this.graceMs);
      t.graceTimer.unref();
    }
  }

  /** Whether shutdown() ('lost') or kill(jobId) ('cancelled') is called within `ms`. */
  private stoppedWithin(jobId: string, ms: number): Promise<StoppedAs | undefined> {
    if (this.stopping) return Promise.resolve('lost');
    if (ms <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const wake = (how: StoppedAs | undefined) => {
        clearTimeout(timer);
        this.stopWaiters.delete(jobId);
        resolve(how);
      };
      const timer = setTimeout(() => wake(undefined), ms);
      this.stopWaiters.set(jobId, wake);
    });
  }

  private finish(t: Tracked): void {
    if (t.timer) clearTimeout(t.timer);
    this.running.delete(t.job.id);
  }
}

/** A task job without warm workers: a fresh Node process per quantum. */
function coldTaskArgv(quantumFile: string): string[] {
  const { file, execArgv } = siblingEntry(import.meta.url, 'cold-task');
  return [process.execPath, ...execArgv, file, quantumFile];
}
