/**
 * The mutable state of a run in progress, other than the DAG's (scheduler.ts) and the journal's:
 * the workers and their free budgets, which worker each running job is on, the attempt count of
 * each job, recent run times per label, jobs waiting for output registration, and why the run is
 * stopping. The loop's modules (run.ts, dispatcher.ts, outcomes.ts) change it only through these
 * methods; they journal what they do themselves. Pure: no journal, no processes, no files.
 */
import type { JobResult, WorkerInfo } from './executor.js';
import { p90 } from './retry.js';
import type { Scheduler, WorkerBudget } from './scheduler.js';

/** Why a run stops before its jobs are done. */
export type Stop = 'cancel' | 'deadline' | 'interrupt';

export interface Worker extends WorkerBudget {
  node: string;
}

/** A job that exited 0 and waits for its outputs to be verified and registered. */
export interface PendingRegistration {
  job: number;
  result: JobResult;
}

/** Run times kept per label for the deadline estimate: the latest this many. */
export const DURATIONS_KEPT = 200;

export class RunState {
  /** workers in the order they joined; replaced (never changed in place) on join and loss */
  private workerList: readonly Worker[] = [];
  /** running job -> the worker it was dispatched to */
  private readonly workerOf = new Map<number, Worker>();
  /** attempts (dispatches) per job: numbered from 1, never taken back, each with its own log */
  private readonly attempts: Int32Array;
  /** 1 while the running attempt of a job has started on its worker (not just queued there) */
  private readonly started: Uint8Array;
  /** the job's own failures per job: what numberOfRetries bounds (a lost or interrupted attempt is none) */
  private readonly failures: Int32Array;
  /** per label, a ring of the latest run times (ms) of succeeded jobs */
  private readonly durations: (Float64Array | undefined)[];
  private readonly durationCount: Int32Array;
  private registrations: PendingRegistration[] = [];
  private stopReason: Stop | undefined;

  /**
   * `saved`: the journal's attempt and failure counts when the run opened (copied). The scheduler's
   * `memoryMB` and `cpus` of a job are what its worker gets back when the attempt ends: a running
   * job's memory does not change (a memory retry raises it when the job is requeued, after).
   */
  constructor(
    private readonly sched: Pick<Scheduler, 'memoryMB' | 'cpus'>,
    saved: { attempts: ArrayLike<number>; failures: ArrayLike<number> },
    private readonly labelOf: ArrayLike<number>,
    labelCount: number,
  ) {
    this.attempts = Int32Array.from(saved.attempts);
    this.started = new Uint8Array(this.attempts.length);
    this.failures = Int32Array.from(saved.failures);
    this.durations = new Array<Float64Array | undefined>(labelCount).fill(undefined);
    this.durationCount = new Int32Array(labelCount);
  }

  // --- workers

  /** The workers, for the scheduler to pack into (their `free*` budgets are live). */
  get workers(): readonly Worker[] {
    return this.workerList;
  }

  /** A worker joined with its whole budget free; one with the same id is replaced in place. */
  addWorker(w: WorkerInfo): void {
    const worker: Worker = { ...w, freeMemoryMB: w.memoryMB, freeCores: w.cores };
    const i = this.workerList.findIndex((x) => x.id === w.id);
    this.workerList =
      i < 0 ? [...this.workerList, worker] : this.workerList.map((x, k) => (k === i ? worker : x));
  }

  /** A worker left; its running jobs come back as `lost` results. */
  removeWorker(id: string): void {
    this.workerList = this.workerList.filter((w) => w.id !== id);
  }

  /** Memory (MB) of the largest worker; 0 with none. */
  get largestWorkerMemoryMB(): number {
    let m = 0;
    for (const w of this.workerList) m = Math.max(m, w.memoryMB);
    return m;
  }

  /** Cores of the worker with the most; 0 with none. */
  get mostWorkerCores(): number {
    let m = 0;
    for (const w of this.workerList) m = Math.max(m, w.cores);
    return m;
  }

  // --- attempts

  /** Attempts of job `j` started so far. */
  attempt(j: number): number {
    return this.attempts[j];
  }

  /**
   * Job `j` was dispatched to `worker` (the scheduler took its budget from the worker's free
   * budget): count the attempt and return its number.
   */
  startAttempt(j: number, worker: Worker): number {
    this.workerOf.set(j, worker);
    this.started[j] = 0;
    return ++this.attempts[j];
  }

  /** The dispatched attempt of `j` started on its worker (it may have waited in its queue). */
  markStarted(j: number): void {
    if (this.workerOf.has(j)) this.started[j] = 1;
  }

  /** Whether the dispatched attempt of `j` has started (progress counts it running only then). */
  hasStarted(j: number): boolean {
    return this.started[j] === 1;
  }

  /** The running attempt of `j` ended: its worker gets the job's memory and cores back. */
  endAttempt(j: number): void {
    const w = this.workerOf.get(j);
    if (!w) return;
    w.freeMemoryMB += this.sched.memoryMB[j];
    w.freeCores += this.sched.cpus[j];
    this.workerOf.delete(j);
  }

  /**
   * The ended attempt of `j` failed on its own (a non-zero exit, a memory kill, a timeout, a
   * missing output): count it against the job's retries; returns the failures so far. An attempt
   * lost with its worker or interrupted by a stop is not counted: it only keeps its number.
   */
  countFailure(j: number): number {
    return ++this.failures[j];
  }

  /** The job's own failures so far (journal's `failures`). */
  failuresOf(j: number): number {
    return this.failures[j];
  }

  /** Jobs with an attempt running. */
  runningJobs(): IterableIterator<number> {
    return this.workerOf.keys();
  }

  // --- run times

  /** Job `j` succeeded after `ms`: remember it for its label's expected run time. */
  recordDuration(j: number, ms: number): void {
    const label = this.labelOf[j];
    let ring = this.durations[label];
    if (!ring) this.durations[label] = ring = new Float64Array(DURATIONS_KEPT);
    ring[this.durationCount[label]++ % DURATIONS_KEPT] = ms;
  }

  /** p90 of the latest run times (ms) of succeeded jobs of a label; undefined before any. */
  p90DurationMs(label: number): number | undefined {
    const ring = this.durations[label];
    if (!ring) return undefined;
    return p90(ring.subarray(0, Math.min(this.durationCount[label], DURATIONS_KEPT)));
  }

  // --- output registration

  awaitRegistration(job: number, result: JobResult): void {
    this.registrations.push({ job, result });
  }

  /** Jobs waiting for registration, oldest first; they are no longer waiting afterwards. */
  takeRegistrations(): PendingRegistration[] {
    const batch = this.registrations;
    this.registrations = [];
    return batch;
  }

  get registrationsPending(): number {
    return this.registrations.length;
  }

  // --- stopping

  /** Why the run stops, once it does. */
  get stopping(): Stop | undefined {
    return this.stopReason;
  }

  /** Running jobs that end now go back to ready (deadline, interrupt) rather than cancelled. */
  get stoppingResumably(): boolean {
    return this.stopReason === 'deadline' || this.stopReason === 'interrupt';
  }

  /** Start stopping for `why`; false (and no change) when the run is stopping already. */
  beginStop(why: Stop): boolean {
    if (this.stopReason) return false;
    this.stopReason = why;
    return true;
  }
}
