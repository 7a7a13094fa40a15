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
    expect(s.fail(0)).toEqual([1]);
    expect(s.state[1]).toBe(BLOCKED);
  });

  it('blocks everything downstream of a failure, transitively', () => {
    const s = new Scheduler([[], [0], [1], [], [2, 3]], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]);
    s.pick([worker('w', 100, 10)]);
    expect(s.fail(0).sort()).toEqual([1, 2, 4]);
    expect(s.state[3]).toBe(RUNNING);
    expect(s.state[0]).toBe(FAILED);
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
