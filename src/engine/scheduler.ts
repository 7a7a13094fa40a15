/**
 * The scheduler: pure state of a run's DAG, no processes, no files. Jobs are indices 0..n-1;
 * edges are kept in CSR arrays (children of job i are kids[kidStart[i]..kidStart[i+1]]), states in a
 * Uint8Array. Ready jobs wait in a heap ordered by bottom level (longest path to a sink, so
 * jobs that unlock the most downstream work go first), then by number of children.
 * Packing is best fit: each job goes to the worker whose free memory it leaves smallest.
 */
import { ReadyHeap } from './ready-heap.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from './states.js';

/** A worker's budget as the scheduler sees it; `free*` are decremented by dispatches. */
export interface WorkerBudget {
  id: string;
  memoryMB: number;
  cores: number;
  freeMemoryMB: number;
  freeCores: number;
}

export interface Dispatch {
  job: number;
  worker: WorkerBudget;
}

export class Scheduler {
  readonly n: number;
  readonly state: Uint8Array;
  /** memory each job asks for now (raised by memory retries, through `requeue`) */
  readonly memoryMB: Float64Array;
  readonly cpus: Float64Array;
  readonly priority: Float64Array;
  /** 1 when the job may be made ready (the `--labels` filter) */
  readonly eligible: Uint8Array;
  private readonly needStart: Int32Array;
  private readonly needList: Int32Array;
  private readonly kidStart: Int32Array;
  private readonly kids: Int32Array;
  /** needs of each job that have not succeeded */
  private readonly remaining: Int32Array;
  private readonly heap: ReadyHeap;
  private running = 0;

  /** `needs[i]` lists the jobs job i depends on (indices; the graph must be acyclic). */
  constructor(needs: ArrayLike<ArrayLike<number>>, memoryMB: ArrayLike<number>, cpus: ArrayLike<number>) {
    const n = needs.length;
    this.n = n;
    this.state = new Uint8Array(n);
    this.memoryMB = Float64Array.from(memoryMB);
    this.cpus = Float64Array.from(cpus);
    this.eligible = new Uint8Array(n).fill(1);
    this.needStart = new Int32Array(n + 1);
    this.kidStart = new Int32Array(n + 1);
    let edges = 0;
    for (let i = 0; i < n; i++) {
      edges += needs[i].length;
      this.needStart[i + 1] = edges;
      for (let k = 0; k < needs[i].length; k++) this.kidStart[needs[i][k] + 1]++;
    }
    this.needList = new Int32Array(edges);
    this.kids = new Int32Array(edges);
    for (let i = 0; i < n; i++) this.kidStart[i + 1] += this.kidStart[i];
    const fill = this.kidStart.slice(0, n);
    for (let i = 0, e = 0; i < n; i++) {
      for (let k = 0; k < needs[i].length; k++) {
        const p = needs[i][k];
        this.needList[e++] = p;
        this.kids[fill[p]++] = i;
      }
    }
    this.remaining = new Int32Array(n);
    this.priority = this.bottomLevels();
    this.heap = new ReadyHeap(n, this.priority);
    // a new DAG: the jobs without needs are ready
    this.load(Uint8Array.from({ length: n }, (_, i) => (needs[i].length === 0 ? READY : PENDING)));
  }

  /** Longest path (in jobs) from each job to a sink, plus a small bonus per direct child. */
  private bottomLevels(): Float64Array {
    const n = this.n;
    const level = new Float64Array(n);
    const outLeft = new Int32Array(n);
    const stack: number[] = [];
    for (let i = 0; i < n; i++) {
      outLeft[i] = this.kidStart[i + 1] - this.kidStart[i];
      if (outLeft[i] === 0) stack.push(i);
    }
    // reverse topological order: a job is finished once all its children are
    while (stack.length) {
      const i = stack.pop() as number;
      let best = 0;
      for (let e = this.kidStart[i]; e < this.kidStart[i + 1]; e++)
        best = Math.max(best, level[this.kids[e]]);
      level[i] = best + 1;
      for (let e = this.needStart[i]; e < this.needStart[i + 1]; e++) {
        const p = this.needList[e];
        if (--outLeft[p] === 0) stack.push(p);
      }
    }
    const prio = new Float64Array(n);
    for (let i = 0; i < n; i++)
      prio[i] = level[i] * 1e6 + Math.min(this.kidStart[i + 1] - this.kidStart[i], 999_999);
    return prio;
  }

  /**
   * Take the states of every job as given (restore-plan.ts decided them: which jobs are ready,
   * blocked, kept) and `eligible`, the jobs that may become ready later (`--labels`).
   */
  load(states: ArrayLike<number>, eligible?: ArrayLike<number>): void {
    const n = this.n;
    this.running = 0;
    while (this.heap.size) this.heap.pop();
    for (let i = 0; i < n; i++) {
      this.state[i] = states[i];
      this.eligible[i] = eligible ? eligible[i] : 1;
      if (states[i] === RUNNING) this.running++;
    }
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let e = this.needStart[i]; e < this.needStart[i + 1]; e++)
        if (this.state[this.needList[e]] !== SUCCEEDED) r++;
      this.remaining[i] = r;
      if (this.state[i] === READY) this.heap.push(i);
    }
  }

  private maybeReady(i: number): boolean {
    if (this.state[i] !== PENDING || this.remaining[i] !== 0 || !this.eligible[i]) return false;
    this.state[i] = READY;
    this.heap.push(i);
    return true;
  }

  get readyCount(): number {
    return this.heap.size;
  }

  get runningCount(): number {
    return this.running;
  }

  /**
   * Choose jobs for the workers' free budgets (never over). Jobs larger than every worker's
   * whole budget are taken out and returned in `unfit` (the caller fails them). `canStart` lets
   * the caller hold jobs back (e.g. they would cross the deadline); held jobs stay ready.
   */
  pick(
    workers: readonly WorkerBudget[],
    canStart?: (job: number) => boolean,
  ): { dispatches: Dispatch[]; unfit: number[] } {
    const dispatches: Dispatch[] = [];
    const unfit: number[] = [];
    if (workers.length === 0 || this.heap.size === 0) return { dispatches, unfit };
    let maxMem = 0;
    let maxCores = 0;
    for (const w of workers) {
      maxMem = Math.max(maxMem, w.memoryMB);
      maxCores = Math.max(maxCores, w.cores);
    }
    const held: number[] = [];
    // stop after this many jobs that fit nowhere now: with 100k ready jobs of one size, one miss
    // usually means all miss, and the scan must stay cheap
    const maxMisses = 64;
    let misses = 0;
    while (this.heap.size && misses < maxMisses) {
      if (!workers.some((w) => w.freeCores > 0 && w.freeMemoryMB > 0)) break;
      const j = this.heap.pop();
      const mem = this.memoryMB[j];
      const cpu = this.cpus[j];
      if (mem > maxMem || cpu > maxCores) {
        unfit.push(j);
        continue;
      }
      if (canStart && !canStart(j)) {
        held.push(j);
        misses++;
        continue;
      }
      let best: WorkerBudget | undefined;
      for (const w of workers) {
        if (w.freeMemoryMB < mem || w.freeCores < cpu) continue;
        if (!best || w.freeMemoryMB - mem < best.freeMemoryMB - mem) best = w;
      }
      if (!best) {
        held.push(j);
        misses++;
        continue;
      }
      best.freeMemoryMB -= mem;
      best.freeCores -= cpu;
      this.state[j] = RUNNING;
      this.running++;
      dispatches.push({ job: j, worker: best });
    }
    for (const j of held) this.heap.push(j);
    return { dispatches, unfit };
  }

  /** A running job succeeded: returns the jobs that became ready. */
  succeed(j: number): number[] {
    this.leaveRunning(j);
    this.state[j] = SUCCEEDED;
    const ready: number[] = [];
    for (let e = this.kidStart[j]; e < this.kidStart[j + 1]; e++) {
      const k = this.kids[e];
      if (--this.remaining[k] === 0 && this.maybeReady(k)) ready.push(k);
    }
    return ready;
  }

  /** A job failed for good (running or ready, e.g. unfit): returns the jobs now blocked below it. */
  fail(j: number): number[] {
    this.leaveRunning(j);
    this.heap.remove(j);
    this.state[j] = FAILED;
    return this.blockBelow(j);
  }

  /** Put a running job back in the ready queue (retry, lost worker, deadline), maybe with more memory. */
  requeue(j: number, memoryMB?: number): void {
    this.leaveRunning(j);
    if (memoryMB !== undefined) this.memoryMB[j] = memoryMB;
    this.state[j] = PENDING;
    this.maybeReady(j);
  }

  /** Cancel every pending and ready job; returns them. Running jobs are the caller's to kill. */
  cancelWaiting(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const s = this.state[i];
      if (s === PENDING || s === READY) {
        this.heap.remove(i);
        this.state[i] = CANCELLED;
        out.push(i);
      }
    }
    return out;
  }

  /** A running job was cancelled. */
  cancelRunning(j: number): void {
    this.leaveRunning(j);
    this.state[j] = CANCELLED;
  }

  private leaveRunning(j: number): void {
    if (this.state[j] === RUNNING) this.running--;
  }

  private blockBelow(j: number): number[] {
    const out: number[] = [];
    const stack = [j];
    while (stack.length) {
      const i = stack.pop() as number;
      for (let e = this.kidStart[i]; e < this.kidStart[i + 1]; e++) {
        const k = this.kids[e];
        const s = this.state[k];
        if (s === PENDING || s === READY) {
          this.heap.remove(k);
          this.state[k] = BLOCKED;
          out.push(k);
          stack.push(k);
        }
      }
    }
    return out;
  }

  /** Counts per state code. */
  counts(): number[] {
    const c = [0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < this.n; i++) c[this.state[i]]++;
    return c;
  }

  /** Whether some job failed, was blocked or cancelled (a run that ends so has not succeeded). */
  anyUnsuccessful(): boolean {
    for (let i = 0; i < this.n; i++) {
      const s = this.state[i];
      if (s === FAILED || s === BLOCKED || s === CANCELLED) return true;
    }
    return false;
  }
}
