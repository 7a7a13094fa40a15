/** What restore re-runs, keeps and why: planRestore is pure, so these need no journal or process. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRestore, type RestoreInput } from '../../src/engine/restore-plan.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from '../../src/engine/states.js';

// isr.1 -> calib.1 -> coadd <- calib.2 <- isr.2 ; labels isr, calib, coadd
const needs = [[], [0], [], [2], [1, 3]];
const labels = ['isr', 'calib', 'coadd'];
const labelOf = [0, 1, 0, 1, 2];
const plan = (saved: number[], more: Partial<RestoreInput> = {}) =>
  planRestore({ needs, saved, labelOf, labels, ...more });

describe('restore plan', () => {
  it('makes the roots of a new run ready and everything else wait', () => {
    const p = plan([PENDING, PENDING, PENDING, PENDING, PENDING]);
    expect([...p.states]).toEqual([READY, PENDING, READY, PENDING, PENDING]);
    expect(p.summary.waiting).toBe(5);
    expect(p.changes.map((c) => c.job)).toEqual([0, 2]);
  });

  it('keeps succeeded jobs and re-runs the attempts a stopped manager left running, ready or cancelled', () => {
    const p = plan([SUCCEEDED, RUNNING, SUCCEEDED, CANCELLED, PENDING]);
    expect([...p.states]).toEqual([SUCCEEDED, READY, SUCCEEDED, READY, PENDING]);
    expect([p.why(0), p.why(1), p.why(3), p.why(4)]).toEqual([
      'succeeded',
      'interrupted',
      'interrupted',
      'waiting',
    ]);
  });

  it('keeps a failure and what it blocks, unless --retry-failed re-runs both', () => {
    const saved = [SUCCEEDED, FAILED, SUCCEEDED, SUCCEEDED, BLOCKED];
    const kept = plan(saved);
    expect([...kept.states]).toEqual(saved);
    expect(kept.changes).toEqual([]);
    expect(kept.summary).toMatchObject({ failed: 1, blocked: 1, succeeded: 3 });
    const retried = plan(saved, { retryFailed: true });
    expect([...retried.states]).toEqual([SUCCEEDED, READY, SUCCEEDED, SUCCEEDED, PENDING]);
    expect(retried.changes).toEqual([
      { job: 1, state: READY, why: 'retry-failed' },
      { job: 4, state: PENDING, why: 'retry-failed' },
    ]);
  });

  it('blocks, below a failure that stays, a job that was interrupted', () => {
    const p = plan([FAILED, RUNNING, SUCCEEDED, SUCCEEDED, PENDING]);
    expect([...p.states]).toEqual([FAILED, BLOCKED, SUCCEEDED, SUCCEEDED, BLOCKED]);
    expect(p.why(1)).toBe('blocked');
  });

  it('with --labels makes only those labels ready and says why the others wait', () => {
    const p = plan([SUCCEEDED, PENDING, RUNNING, PENDING, PENDING], { onlyLabels: ['isr'] });
    expect([...p.states]).toEqual([SUCCEEDED, PENDING, READY, PENDING, PENDING]);
    expect([p.why(1), p.why(2), p.why(4)]).toEqual(['not-selected', 'interrupted', 'not-selected']);
    expect([...p.eligible]).toEqual([1, 0, 1, 0, 0]);
  });

  it('readies a run-always job below failures and blocked jobs, and never blocks it', () => {
    // final (5, always) needs coadd (4); coadd needs calib.1 and calib.2
    const n2 = [...needs, [4]];
    const always = [0, 0, 0, 0, 0, 1];
    const base = { needs: n2, labelOf: [...labelOf, 2], labels, always };
    const p = planRestore({ ...base, saved: [SUCCEEDED, FAILED, SUCCEEDED, SUCCEEDED, BLOCKED, PENDING] });
    expect([...p.states]).toEqual([SUCCEEDED, FAILED, SUCCEEDED, SUCCEEDED, BLOCKED, READY]);
    const waits = planRestore({ ...base, saved: [SUCCEEDED, FAILED, RUNNING, PENDING, BLOCKED, PENDING] });
    // coadd stays blocked, but isr.2 (interrupted) and calib.2 upstream of it still run first
    expect([waits.states[2], waits.states[4], waits.states[5]]).toEqual([READY, BLOCKED, PENDING]);
  });

  it('runs a run-always job again when restore re-runs one of its needs', () => {
    const n2 = [...needs, [4]];
    const base = { needs: n2, labelOf: [...labelOf, 2], labels, always: [0, 0, 0, 0, 0, 1] };
    const saved = [SUCCEEDED, FAILED, SUCCEEDED, SUCCEEDED, BLOCKED, SUCCEEDED];
    const kept = planRestore({ ...base, saved });
    expect([...kept.states]).toEqual(saved);
    const retried = planRestore({ ...base, saved, retryFailed: true });
    expect([...retried.states]).toEqual([SUCCEEDED, READY, SUCCEEDED, SUCCEEDED, PENDING, PENDING]);
    expect(retried.why(5)).toBe('needs-rerun');
    expect(retried.summary['needs-rerun']).toBe(1);
  });

  it('refuses an unknown label, naming the close one and the known ones', () => {
    expect(() => plan([0, 0, 0, 0, 0], { onlyLabels: ['calibb'] })).toThrow(
      /no task label 'calibb' in this run \(did you mean 'calib'\?\) \(labels: isr, calib, coadd\)/,
    );
  });

  it('never re-runs a succeeded job, and readies exactly the eligible jobs whose needs succeeded', () => {
    const states = fc.constantFrom(PENDING, READY, RUNNING, SUCCEEDED, FAILED, BLOCKED, CANCELLED);
    fc.assert(
      fc.property(fc.array(states, { minLength: 5, maxLength: 5 }), fc.boolean(), (saved, retryFailed) => {
        const p = plan(saved, { retryFailed });
        for (let i = 0; i < 5; i++) {
          if (saved[i] === SUCCEEDED) expect(p.states[i]).toBe(SUCCEEDED);
          else expect(p.states[i]).not.toBe(SUCCEEDED);
          const met = needs[i].every((k) => p.states[k] === SUCCEEDED);
          if (p.states[i] === READY) expect(met).toBe(true);
          if (p.states[i] === PENDING) expect(met).toBe(false);
          expect(p.states[i] === FAILED).toBe(saved[i] === FAILED && !retryFailed);
        }
        expect(Object.values(p.summary).reduce((a, b) => a + b, 0)).toBe(5);
      }),
    );
  });
});
