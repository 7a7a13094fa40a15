import { describe, expect, it } from 'vitest';
import { planRestore } from '../../src/engine/restore-plan.js';
import { Scheduler, type WorkerBudget } from '../../src/engine/scheduler.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from '../../src/engine/states.js';

const worker = (id: string, memoryMB: number, cores: number): WorkerBudget => ({
  id,
  memoryMB,
  cores,
  freeMemoryMB: memoryMB,
  freeCores: cores,
});

describe('Scheduler', () => {
  it('makes roots ready and releases children as needs succeed', () => {
    // 0 -> 2, 1 -> 2, 2 -> 3
    const s = new Scheduler([[], [], [0, 1], [2]], [100, 100, 100, 100], [1, 1, 1, 1]);
    expect([...s.state]).toEqual([READY, READY, PENDING, PENDING]);
    expect(s.succeed(0)).toEqual([]);
    expect(s.succeed(1)).toEqual([2]);
    expect(s.state[2]).toBe(READY);
  });

  it('prefers jobs that unlock the longest downstream chain', () => {
    // job 0 is a lone leaf; job 1 heads a chain 1 -> 2 -> 3
    const s = new Scheduler([[], [], [1], [2]], [1, 1, 1, 1], [1, 1, 1, 1]);
    const { dispatches } = s.pick([worker('w', 10, 1)]);
    expect(dispatches.map((d) => d.job)).toEqual([1]);
  });

  it('packs best-fit and never over a worker budget', () => {
    const mem = [600, 500, 400, 300, 200];
    const s = new Scheduler(
      mem.map(() => []),
      mem,
      [1, 1, 1, 1, 1],
    );
    const a = worker('a', 1000, 8);
    const b = worker('b', 700, 8);
    const { dispatches } = s.pick([a, b]);
    for (const w of [a, b]) {
      const used = dispatches.filter((d) => d.worker === w).reduce((m, d) => m + mem[d.job], 0);
      expect(used).toBeLessThanOrEqual(w.memoryMB);
      expect(w.freeMemoryMB).toBe(w.memoryMB - used);
    }
    // 600 best fits b (leaves 100), 500 then a (leaves 500), 400 a (100), 300 none, 200 none? a has 100, b 100
    expect(dispatches.length).toBe(3);
    expect(s.readyCount).toBe(2);
    expect(s.runningCount).toBe(3);
  });

  it('queues up to `prefetch` budgets per worker beyond its free budget, the least loaded first', () => {
    const n = 10;
    const s = new Scheduler(
      Array.from({ length: n }, () => []),
      new Array(n).fill(10),
      new Array(n).fill(1),
    );
    const a = { ...worker('a', 1000, 2), prefetch: 1 };
    const b = { ...worker('b', 1000, 2), prefetch: 1 };
    const { dispatches } = s.pick([a, b]);
    // the free budgets are filled first (2 + 2), then one budget's worth more each (2 + 2)
    expect(dispatches.map((d) => d.worker.id)).toEqual(['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b']);
    expect([a.freeCores, b.freeCores]).toEqual([-2, -2]);
    expect(s.readyCount).toBe(2);
    expect(s.runningCount).toBe(8);
  });

  it('never queues a job on a worker whose whole budget it does not fit', () => {
    const s = new Scheduler([[], [], [], []], [600, 600, 600, 600], [1, 1, 1, 1]);
    const a = { ...worker('a', 1000, 8), prefetch: 1 };
    const b = { ...worker('b', 500, 8), prefetch: 1 };
    const { dispatches, unfit } = s.pick([a, b]);
    // a: 600 fits (400 left), then queued while the debt stays within one budget (-200, -800)
    expect(dispatches.map((d) => d.worker.id)).toEqual(['a', 'a', 'a']);
    expect(unfit).toEqual([]);
    expect(a.freeMemoryMB).toBe(-800);
    expect(b.freeMemoryMB).toBe(500);
  });

  it('respects cores as well as memory', () => {
    const s = new Scheduler([[], [], []], [10, 10, 10], [2, 2, 2]);
    const { dispatches } = s.pick([worker('w', 1000, 4)]);
    expect(dispatches.length).toBe(2);
  });

  it('reports jobs bigger than every worker instead of waiting forever', () => {
    const s = new Scheduler([[], [0]], [5000, 10], [1, 1]);
    const { dispatches, unfit } = s.pick([worker('w', 1000, 4)]);
    expect(dispatches).toEqual([]);
    expect(unfit).toEqual([0]);
    expect(s.fail(0)).toEqual({ blocked: [1], ready: [] });
    expect(s.state[1]).toBe(BLOCKED);
  });

  it('blocks everything downstream of a failure, transitively', () => {
    const s = new Scheduler([[], [0], [1], [], [2, 3]], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]);
    s.pick([worker('w', 100, 10)]);
    expect(s.fail(0).blocked.sort()).toEqual([1, 2, 4]);
    expect(s.state[3]).toBe(RUNNING);
    expect(s.state[0]).toBe(FAILED);
  });

  it('makes a run-always job ready once every need ended, failed and blocked ones included', () => {
    // 0 -> 1 ; 2 ; final 3 needs 1 and 2 (always) ; 4 needs 3 (an ordinary job after it)
    const always = [0, 0, 0, 1, 0];
    const s = new Scheduler([[], [0], [], [1, 2], [3]], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], always);
    s.pick([worker('w', 100, 10)]);
    expect(s.fail(0)).toEqual({ blocked: [1], ready: [] }); // 2 still runs
    expect(s.state[3]).toBe(PENDING);
    expect(s.succeed(2)).toEqual([3]);
    expect(s.state[3]).toBe(READY);
    s.pick([worker('w', 100, 10)]);
    expect(s.succeed(3)).toEqual([4]);
    expect(s.anyUnsuccessful()).toBe(true); // the run still failed
  });

  it('makes a run-always job ready when its last need fails, and blocks nothing below it for that', () => {
    const s = new Scheduler([[], [0]], [1, 1], [1, 1], [0, 1]);
    s.pick([worker('w', 100, 10)]);
    expect(s.fail(0)).toEqual({ blocked: [], ready: [1] });
    expect(s.state[1]).toBe(READY);
  });

  it('keeps a run-always job waiting while a job upstream of a blocked need still runs', () => {
    // 0 -> 2, 1 -> 2 ; final 3 (always) needs only the sink 2, as quanta's LSST final job does
    const s = new Scheduler([[], [], [0, 1], [2]], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 1]);
    s.pick([worker('w', 100, 10)]);
    expect(s.fail(0)).toEqual({ blocked: [2], ready: [] });
    expect(s.state[3]).toBe(PENDING); // 1 still runs: the workflow has not ended
    expect(s.succeed(1)).toEqual([3]);
  });

  it('reloads run-always jobs: ready when their needs ended, waiting while one still runs', () => {
    const s = new Scheduler([[], [], [0, 1]], [1, 1, 1], [1, 1, 1], [0, 0, 1]);
    s.load([FAILED, RUNNING, PENDING]);
    expect(s.state[2]).toBe(PENDING);
    expect(s.fail(1)).toEqual({ blocked: [], ready: [2] });
    s.load([FAILED, BLOCKED, READY]);
    expect(s.readyCount).toBe(1);
  });

  it('restores: keeps succeeded, re-derives ready, keeps or retries failures', () => {
    const saved = Uint8Array.from([SUCCEEDED, RUNNING, FAILED, BLOCKED]);
    // 0 -> 1 ; 2 -> 3
    const needs = [[], [0], [], [2]];
    const s = new Scheduler(needs, [1, 1, 1, 1], [1, 1, 1, 1]);
    const input = { needs, saved, labelOf: [0, 0, 0, 0], labels: ['a'] };
    s.load(planRestore(input).states);
    expect([...s.state]).toEqual([SUCCEEDED, READY, FAILED, BLOCKED]);
    s.load(planRestore({ ...input, retryFailed: true }).states);
    expect([...s.state]).toEqual([SUCCEEDED, READY, READY, PENDING]);
    expect(s.readyCount).toBe(2);
  });

  it('restricts ready jobs to chosen labels and leaves the rest pending', () => {
    const needs = [[], [], [0]];
    const s = new Scheduler(needs, [1, 1, 1], [1, 1, 1]);
    const plan = planRestore({
      needs,
      saved: [0, 0, 0],
      labelOf: [0, 1, 0],
      labels: ['a', 'b'],
      onlyLabels: ['a'],
    });
    s.load(plan.states, plan.eligible);
    expect(s.state[1]).toBe(PENDING);
    const { dispatches } = s.pick([worker('w', 10, 10)]);
    expect(dispatches.map((d) => d.job)).toEqual([0]);
    s.succeed(0);
    expect(s.state[2]).toBe(READY);
  });

  it('cancels waiting jobs and requeues running ones', () => {
    const s = new Scheduler([[], [], [0]], [1, 1, 1], [1, 1, 1]);
    s.pick([worker('w', 1, 1)]);
    expect(s.state[0]).toBe(RUNNING);
    s.requeue(0);
    expect(s.state[0]).toBe(READY);
    expect(s.runningCount).toBe(0);
    expect(s.cancelWaiting().sort()).toEqual([0, 1, 2]);
    expect([...s.state]).toEqual([CANCELLED, CANCELLED, CANCELLED]);
  });

  it('holds jobs that canStart refuses and keeps them ready', () => {
    const s = new Scheduler([[], []], [1, 1], [1, 1]);
    const { dispatches } = s.pick([worker('w', 10, 10)], (j) => j === 1);
    expect(dispatches.map((d) => d.job)).toEqual([1]);
    expect(s.state[0]).toBe(READY);
    expect(s.readyCount).toBe(1);
  });

  it('handles 100k jobs in a layered DAG and drains it completely', () => {
    const n = 100_000;
    const needs: number[][] = [];
    for (let i = 0; i < n; i++) needs.push(i < 1000 ? [] : [i - 1000]);
    const s = new Scheduler(needs, new Float64Array(n).fill(1), new Float64Array(n).fill(1));
    const w = worker('w', 64, 64);
    let done = 0;
    for (;;) {
      const { dispatches } = s.pick([w]);
      if (dispatches.length === 0) break;
      for (const d of dispatches) {
        s.succeed(d.job);
        w.freeMemoryMB += 1;
        w.freeCores += 1;
        done++;
      }
    }
    expect(done).toBe(n);
    expect(s.counts()[SUCCEEDED]).toBe(n);
  });
});
