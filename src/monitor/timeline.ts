/**
 * The timeline of a run, rebuilt from the journal's event log: one interval per job attempt (the
 * `running` event opens it on a worker, the job's next event closes it), and per node the number
 * of running jobs, the memory they reserved and the memory they were measured to use (the peak
 * of each attempt, known once it ended), as step series for the charts.
 *
 * The builder is incremental: it keeps the intervals it has seen and reads only the events after
 * the last one, so polling a long run costs little.
 */
import type { JournalReader, WorkerRow } from '../engine/journal-read.js';

export interface Interval {
  job: string;
  label: string;
  worker: string;
  node: string;
  attempt: number;
  /** epoch ms */
  start: number;
  /** epoch ms; null while running */
  end: number | null;
  /** memory reserved for the attempt (MB) */
  memoryMB: number;
  /** the attempt's measured peak (MB); null while it runs or when the journal does not know it */
  peakMB: number | null;
  /** the state the job went to: succeeded, failed, ready (a retry), blocked, cancelled; null while running */
  next: string | null;
}

export interface NodeSeries {
  node: string;
  /** memory of the node's workers (MB), summed */
  capacityMB: number;
  running: number[];
  /** memory reserved by the running attempts (MB) */
  memoryMB: number[];
  /** measured peaks of the running attempts, added up (MB); attempts count once they have ended */
  measuredMB: number[];
}

export interface Timeline {
  /** epoch ms of the first job start, null before any */
  t0: number | null;
  /** epoch ms the series end at (now while the run is live, else its last event) */
  t1: number;
  workers: WorkerRow[];
  /** a page of the attempts by start time, oldest first: the `limit` before the `skip` most recent */
  intervals: Interval[];
  totalIntervals: number;
  /** how many of the most recent attempts come after this page (0: the page ends with the latest) */
  skip: number;
  limit: number;
  /** sample times (epoch seconds, as uPlot wants) and the per-node values at them */
  series: { times: number[]; nodes: NodeSeries[] };
}

interface JobMeta {
  label: string;
  attempt: number;
  request_memory: number;
  memory_mb: number | null;
  peak_memory: number | null;
  state: string;
}

const FINAL = new Set(['succeeded', 'failed', 'blocked', 'cancelled']);

/** The peak of the attempt a job event closes: in its data (this quanta), else the job row's for its last attempt. */
function peakOf(data: string | null, m: JobMeta | undefined, attempt: number, next: string): number | null {
  if (data) {
    const d = JSON.parse(data) as { peakMB?: unknown };
    if (typeof d.peakMB === 'number') return d.peakMB;
  }
  // journals written before events carried the peak: the job row's peak is its last attempt's
  return m && FINAL.has(next) && m.attempt === attempt && m.peak_memory ? m.peak_memory : null;
}

const MAX_STEPS = 1500;

export class TimelineBuilder {
  private lastId = 0;
  private lastTs = 0;
  private readonly open = new Map<string, Interval>();
  private readonly closed: Interval[] = [];
  private readonly attempts = new Map<string, number>();

  /** Read the events written since the last call. */
  update(j: JournalReader): void {
    const nodeOf = new Map(j.workers().map((w) => [w.id, w.node]));
    const meta = j.db.prepare(
      'SELECT label, attempt, request_memory, memory_mb, peak_memory, state FROM jobs WHERE id = ?',
    );
    const page = j.db.prepare(
      "SELECT id, ts, job_id, state, worker_id, data FROM events WHERE kind = 'job' AND id > ? ORDER BY id LIMIT 20000",
    );
    for (;;) {
      const rows = page.all(this.lastId) as {
        id: number;
        ts: number;
        job_id: string;
        state: string;
        worker_id: string | null;
        data: string | null;
      }[];
      for (const e of rows) {
        this.lastId = e.id;
        this.lastTs = Math.max(this.lastTs, e.ts);
        const cur = this.open.get(e.job_id);
        if (cur) {
          cur.end = e.ts;
          cur.next = e.state;
          cur.peakMB = peakOf(e.data, meta.get(e.job_id) as JobMeta | undefined, cur.attempt, e.state);
          this.open.delete(e.job_id);
          this.closed.push(cur);
        }
        if (e.state !== 'running') continue;
        const attempt = (this.attempts.get(e.job_id) ?? 0) + 1;
        this.attempts.set(e.job_id, attempt);
        const m = meta.get(e.job_id) as JobMeta | undefined;
        const worker = e.worker_id ?? '?';
        this.open.set(e.job_id, {
          job: e.job_id,
          label: m?.label ?? '?',
          worker,
          node: nodeOf.get(worker) ?? worker,
          attempt,
          start: e.ts,
          end: null,
          // the journal keeps the memory of the latest attempt only; earlier ones ran with less
          memoryMB: m ? (m.attempt === attempt ? (m.memory_mb ?? m.request_memory) : m.request_memory) : 0,
          peakMB: null,
          next: null,
        });
      }
      if (rows.length < 20000) break;
    }
  }

  /**
   * The timeline as of `now`. When no manager drives the run (`live` false) attempts still open
   * in the journal (a manager that was killed) are cut at the last event.
   */
  snapshot(
    workers: WorkerRow[],
    live: boolean,
    now = Date.now(),
    page: { limit?: number; skip?: number } = {},
  ): Timeline {
    const limit = Math.max(1, Math.floor(page.limit ?? 500));
    const t1 = live ? now : Math.max(this.lastTs, ...workers.map((w) => w.left_at ?? 0));
    const openOnes = [...this.open.values()].map((i) => (live ? i : { ...i, end: Math.max(i.start, t1) }));
    const all = [...this.closed, ...openOnes];
    let t0: number | null = null;
    for (const i of all) if (t0 === null || i.start < t0) t0 = i.start;
    const byStart = [...all].sort((a, b) => a.start - b.start);
    const skip = Math.min(Math.max(0, Math.floor(page.skip ?? 0)), Math.max(0, byStart.length - 1));
    const endAt = byStart.length - skip;
    return {
      t0,
      t1,
      workers,
      intervals: byStart.slice(Math.max(0, endAt - limit), endAt),
      totalIntervals: all.length,
      skip,
      limit,
      series: stepSeries(all, workers, t0, t1),
    };
  }
}

/** Running count and reserved memory per node: exact steps for small runs, sampled for big ones. */
export function stepSeries(
  intervals: Interval[],
  workers: WorkerRow[],
  t0: number | null,
  t1: number,
): Timeline['series'] {
  const capacity = new Map<string, number>();
  for (const w of workers) capacity.set(w.node, (capacity.get(w.node) ?? 0) + w.memory_mb);
  for (const i of intervals) if (!capacity.has(i.node)) capacity.set(i.node, 0);
  const nodes = [...capacity.keys()].sort();
  if (t0 === null) {
    return {
      times: [],
      nodes: nodes.map((n) => ({
        node: n,
        capacityMB: capacity.get(n) ?? 0,
        running: [],
        memoryMB: [],
        measuredMB: [],
      })),
    };
  }
  const changes: { t: number; node: number; mem: number; n: number; peak: number }[] = [];
  const nodeIdx = new Map(nodes.map((n, k) => [n, k]));
  for (const i of intervals) {
    const k = nodeIdx.get(i.node) as number;
    const peak = i.peakMB ?? 0;
    changes.push({ t: i.start, node: k, mem: i.memoryMB, n: 1, peak });
    // an attempt still running holds its memory past the last sample
    if (i.end !== null) changes.push({ t: i.end, node: k, mem: -i.memoryMB, n: -1, peak: -peak });
  }
  changes.sort((a, b) => a.t - b.t || a.n - b.n);
  const end = Math.max(t1, t0);
  let times: number[];
  if (changes.length <= MAX_STEPS) times = [...new Set([t0, ...changes.map((c) => c.t), end])];
  else {
    const n = 400;
    times = Array.from({ length: n + 1 }, (_, k) => t0 + ((end - t0) * k) / n);
  }
  const running = nodes.map(() => new Array<number>(times.length).fill(0));
  const memory = nodes.map(() => new Array<number>(times.length).fill(0));
  const measured = nodes.map(() => new Array<number>(times.length).fill(0));
  const curN = nodes.map(() => 0);
  const curM = nodes.map(() => 0);
  const curP = nodes.map(() => 0);
  let c = 0;
  times.forEach((t, k) => {
    while (c < changes.length && changes[c].t <= t) {
      curN[changes[c].node] += changes[c].n;
      curM[changes[c].node] += changes[c].mem;
      curP[changes[c].node] += changes[c].peak;
      c++;
    }
    nodes.forEach((_, x) => {
      running[x][k] = curN[x];
      memory[x][k] = Math.max(0, Math.round(curM[x]));
      measured[x][k] = Math.max(0, Math.round(curP[x]));
    });
  });
  return {
    times: times.map((t) => t / 1000),
    nodes: nodes.map((n, x) => ({
      node: n,
      capacityMB: capacity.get(n) ?? 0,
      running: running[x],
      memoryMB: memory[x],
      measuredMB: measured[x],
    })),
  };
}
