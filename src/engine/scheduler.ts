/**
 * The scheduler: pure state of a run's DAG, no processes, no files. Jobs are indices 0..n-1;
 * edges are kept in CSR arrays (children of job i are kids[kidStart[i]..kidStart[i+1]]), states in a
 * Uint8Array. Ready jobs wait in a heap ordered by bottom level (longest path to a sink, so
 * jobs that unlock the most downstream work go first), then by number of children.
 * Packing is best fit: each job goes to the worker whose free memory it leaves smallest.
 * A worker with `prefetch` p > 0 (the pilot's: it holds a queue and starts each job as its own
 * budget frees, so a slot never waits for a round trip to the manager) also takes jobs beyond its
 * free budget, while its free memory and cores stay at or above -p times its whole budget; such a
 * job must fit the worker's whole budget, and goes to the least loaded worker, only when no
 * worker has it free.
 *
 * A run-always job (workflow `runWhen: "always"`) is never blocked: it becomes ready once every
 * job upstream of it ended (succeeded, failed or blocked; not cancelled). Each job keeps the list
 * of run-always jobs below it (`watch*`, CSR too) to count them down.
 */
import { ReadyHeap } from './ready-heap.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from './states.js';
import { alwaysJobs, upstreamOf } from './upstream.js';

const ended = (s: number): boolean => s === SUCCEEDED || s === FAILED || s === BLOCKED;

/** A worker's budget as the scheduler sees it; `free*` are decremented by dispatches. */
export interface WorkerBudget {
  id: string;
  memoryMB: number;
  cores: number;
  freeMemoryMB: number;
  freeCores: number;
  /** budgets' worth of jobs the worker holds queued beyond its free budget (default 0) */
  prefetch?: number;
}

/** Whether `w` can take a job of `mem` MB and `cpu` cores now, queued (`free*` go below 0). */
function canQueue(w: WorkerBudget, mem: number, cpu: number): boolean {
  const p = w.prefetch ?? 0;
  return (
    p > 0 &&
    mem <= w.memoryMB &&
    cpu <= w.cores &&
    w.freeMemoryMB - mem >= -p * w.memoryMB &&
    w.freeCores - cpu >= -p * w.cores
  );
}

/** Room for a job of some size: free budget, or queue room. */
function hasRoom(w: WorkerBudget): boolean {
  const p = w.prefetch ?? 0;
  return w.freeCores + p * w.cores > 0 && w.freeMemoryMB + p * w.memoryMB > 0;
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
  /** 1 for run-always jobs */
  readonly always: Uint8Array;
  /** run-always jobs below each job: watchList[watchStart[i]..watchStart[i+1]] */
  private readonly watchStart: Int32Array;
  private readonly watchList: Int32Array;
  /** jobs upstream of each run-always job */
  private readonly upstream = new Map<number, Int32Array>();
  /** needs of each job that have not succeeded (run-always jobs: jobs upstream not ended) */
  private readonly remaining: Int32Array;
  private readonly heap: ReadyHeap;
  private running = 0;

  /**
   * `needs[i]` lists the jobs job i depends on (indices; the graph must be acyclic); `always[i]`
   * is 1 for a run-always job.
   */
  constructor(
    needs: ArrayLike<ArrayLike<number>>,
    memoryMB: ArrayLike<number>,
    cpus: ArrayLike<number>,
    always?: ArrayLike<number>,
  ) {
    const n = needs.length;
    this.n = n;
    this.always = new Uint8Array(n);
    const alw = alwaysJobs(always, n);
    const ups = upstreamOf(needs, alw);
    this.watchStart = new Int32Array(n + 1);
    alw.forEach((a, k) => {
      this.always[a] = 1;
      this.upstream.set(a, ups[k]);
      for (const u of ups[k]) this.watchStart[u + 1]++;
    });
    for (let i = 0; i < n; i++) this.watchStart[i + 1] += this.watchStart[i];
    this.watchList = new Int32Array(this.watchStart[n]);
    const at = this.watchStart.slice(0, n);
    alw.forEach((a, k) => {
      for (const u of ups[k]) this.watchList[at[u]++] = a;
    });
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
      const up = this.upstream.get(i);
      if (up) {
        for (const u of up) if (!ended(this.state[u])) r++;
      } else {
        for (let e = this.needStart[i]; e < this.needStart[i + 1]; e++)
          if (this.state[this.needList[e]] !== SUCCEEDED) r++;
      }
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
      if (!workers.some(hasRoom)) break;
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
        // queue it on the least loaded worker that holds a queue (most free cores, then memory)
        for (const w of workers) {
          if (!canQueue(w, mem, cpu)) continue;
          const c = best ? w.freeCores / w.cores - best.freeCores / best.cores : 1;
          if (c > 0 || (c === 0 && best && w.freeMemoryMB > best.freeMemoryMB)) best = w;
        }
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
      if (this.always[k]) continue; // counted by jobEnded
      if (--this.remaining[k] === 0 && this.maybeReady(k)) ready.push(k);
    }
    this.jobEnded(j, ready);
    return ready;
  }

  /**
   * A job failed for good (running or ready, e.g. unfit): returns the jobs now blocked below it
   * and the run-always jobs that became ready.
   */
  fail(j: number): { blocked: number[]; ready: number[] } {
    this.leaveRunning(j);
    this.heap.remove(j);
    this.state[j] = FAILED;
    const ready: number[] = [];
    this.jobEnded(j, ready);
    return { blocked: this.blockBelow(j, ready), ready };
  }

  /** Job j ended: count it off the run-always jobs below it; those it completes go to `ready`. */
  private jobEnded(j: number, ready: number[]): void {
    for (let e = this.watchStart[j]; e < this.watchStart[j + 1]; e++) {
      const a = this.watchList[e];
      if (--this.remaining[a] === 0 && this.maybeReady(a)) ready.push(a);
    }
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

  private blockBelow(j: number, ready: number[]): number[] {
    const out: number[] = [];
    const stack = [j];
    while (stack.length) {
      const i = stack.pop() as number;
      for (let e = this.kidStart[i]; e < this.kidStart[i + 1]; e++) {
        const k = this.kids[e];
        const s = this.state[k];
        if (this.always[k]) continue; // never blocked: it waits for what is above it to end
        if (s === PENDING || s === READY) {
          this.heap.remove(k);
          this.state[k] = BLOCKED;
          out.push(k);
          stack.push(k);
          this.jobEnded(k, ready);
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
