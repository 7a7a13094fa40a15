import { describe, expect, it } from 'vitest';
import { DURATIONS_KEPT, RunState } from '../../src/engine/run-state.js';
import { Scheduler } from '../../src/engine/scheduler.js';

/** Three independent jobs of 100, 200 and 300 MB (1, 1 and 2 cores); job 2 has label 1. */
function setup(attempts = [0, 0, 0], failures = [0, 0, 0]) {
  const sched = new Scheduler([[], [], []], [100, 200, 300], [1, 1, 2]);
  const state = new RunState(sched, { attempts, failures }, [0, 0, 1], 2);
  return { sched, state };
}

describe('RunState', () => {
  it('gives a worker back exactly the budget its jobs took when their attempts end', () => {
    const { sched, state } = setup();
    state.addWorker({ id: 'w', node: 'n', memoryMB: 1000, cores: 4 });
    const { dispatches } = sched.pick(state.workers);
    expect(dispatches).toHaveLength(3);
    for (const d of dispatches) state.startAttempt(d.job, state.workers[0]);
    expect(state.workers[0]).toMatchObject({ freeMemoryMB: 400, freeCores: 0 });
    expect([...state.runningJobs()].sort()).toEqual([0, 1, 2]);

    state.endAttempt(1);
    state.endAttempt(1); // a second end of the same attempt changes nothing
    expect(state.workers[0]).toMatchObject({ freeMemoryMB: 600, freeCores: 1 });
    sched.requeue(1, 400); // a memory retry raises the job's memory after its attempt ended
    state.endAttempt(0);
    state.endAttempt(2);
    expect(state.workers[0]).toMatchObject({ freeMemoryMB: 1000, freeCores: 4 });
    expect([...state.runningJobs()]).toEqual([]);
  });

  it("numbers attempts on from the journal and counts only the job's own failures", () => {
    const { state } = setup([2, 0, 0], [1, 0, 0]);
    const w = { id: 'w', node: 'n', memoryMB: 1000, cores: 4, freeMemoryMB: 1000, freeCores: 4 };
    expect(state.startAttempt(0, w)).toBe(3);
    state.endAttempt(0); // lost or interrupted: the attempt keeps its number, no failure
    expect(state.attempt(0)).toBe(3);
    expect(state.failuresOf(0)).toBe(1);
    expect(state.startAttempt(0, w)).toBe(4);
    state.endAttempt(0);
    expect(state.countFailure(0)).toBe(2); // it failed on its own
    expect(state.attempt(0)).toBe(4);
    expect(state.startAttempt(1, w)).toBe(1);
    expect(state.failuresOf(1)).toBe(0);
  });

  it('keeps workers in join order, replaces a rejoining id in place, and derives the largest', () => {
    const { state } = setup();
    expect(state.largestWorkerMemoryMB).toBe(0);
    state.addWorker({ id: 'a', node: 'n1', memoryMB: 1000, cores: 2 });
    state.addWorker({ id: 'b', node: 'n2', memoryMB: 4000, cores: 1 });
    const before = state.workers;
    state.addWorker({ id: 'a', node: 'n3', memoryMB: 2000, cores: 8 });
    expect(before.map((w) => w.node)).toEqual(['n1', 'n2']); // a handed-out list does not change
    expect(state.workers.map((w) => w.node)).toEqual(['n3', 'n2']);
    expect(state.largestWorkerMemoryMB).toBe(4000);
    expect(state.mostWorkerCores).toBe(8);
    state.removeWorker('b');
    expect(state.workers.map((w) => w.id)).toEqual(['a']);
    expect(state.largestWorkerMemoryMB).toBe(2000);
  });

  it('estimates a label from its latest run times only', () => {
    const { state } = setup();
    expect(state.p90DurationMs(0)).toBeUndefined();
    for (let i = 0; i < DURATIONS_KEPT; i++) state.recordDuration(0, 1_000_000);
    for (let i = 1; i <= DURATIONS_KEPT; i++) state.recordDuration(1, i); // job 1 has label 0 too
    expect(state.p90DurationMs(0)).toBe(181); // the old 1,000,000 ms runs are all forgotten
    state.recordDuration(2, 50);
    expect(state.p90DurationMs(1)).toBe(50);
  });

  it('hands out jobs waiting for registration once, oldest first', () => {
    const { state } = setup();
    const r = { id: 'x', attempt: 1, outcome: 'succeeded' } as never;
    state.awaitRegistration(2, r);
    state.awaitRegistration(0, r);
    expect(state.registrationsPending).toBe(2);
    expect(state.takeRegistrations().map((p) => p.job)).toEqual([2, 0]);
    expect(state.registrationsPending).toBe(0);
    expect(state.takeRegistrations()).toEqual([]);
  });

  it('stops once, for the first reason given', () => {
    const { state } = setup();
    expect(state.stopping).toBeUndefined();
    expect(state.beginStop('interrupt')).toBe(true);
    expect(state.beginStop('cancel')).toBe(false);
    expect(state.stopping).toBe('interrupt');
    expect(state.stoppingResumably).toBe(true);
  });
});
