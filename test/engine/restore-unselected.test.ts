/**
 * `--labels` selections whose inputs are not made: the restore plan names the selected jobs that
 * wait for unfinished jobs of labels not selected (pure, no journal or process).
 */
import { describe, expect, it } from 'vitest';
import { planRestore, unselectedInputs } from '../../src/engine/restore-plan.js';
import { FAILED, PENDING, READY, SUCCEEDED } from '../../src/engine/states.js';

// calibrate.0 -> makeWarp.0 -> assemble <- makeWarp.1 <- calibrate.1 ; isr.0 -> calibrate.0
const labels = ['isr', 'calibrate', 'makeWarp', 'assemble'];
const needs = [[], [0], [1], [], [3], [2, 4]];
const labelOf = [0, 1, 2, 1, 2, 3];
const plan = (saved: number[], onlyLabels: string[]) =>
  planRestore({ needs, saved, labelOf, labels, onlyLabels });

describe('restore --labels with inputs not made', () => {
  it('marks the selected jobs whose inputs wait for labels not selected, through selected ones too', () => {
    const p = plan([PENDING, PENDING, PENDING, PENDING, PENDING, PENDING], ['makeWarp', 'assemble']);
    expect(p.unselected.jobs).toBe(3);
    expect(p.unselected.labels).toEqual(['calibrate']);
    expect([p.why(2), p.why(4), p.why(5)]).toEqual([
      'needs-unselected',
      'needs-unselected',
      'needs-unselected',
    ]);
    expect(p.summary['needs-unselected']).toBe(3);
    expect(p.why(0)).toBe('not-selected');
  });

  it('lets a job whose inputs are made run, and names every label waited for', () => {
    // calibrate.1 made, calibrate.0 not (and its isr.0 not either)
    const p = plan([PENDING, PENDING, PENDING, SUCCEEDED, PENDING, PENDING], ['makeWarp']);
    expect(p.states[4]).toBe(READY);
    expect(p.unselected).toMatchObject({ jobs: 1, labels: ['calibrate'] });
    expect(p.why(2)).toBe('needs-unselected');
    expect(p.why(5)).toBe('not-selected');
    const wide = plan([PENDING, PENDING, PENDING, PENDING, PENDING, PENDING], ['calibrate', 'makeWarp']);
    expect(wide.unselected).toMatchObject({ jobs: 2, labels: ['isr'] });
  });

  it('finds nothing without --labels, when every input succeeded, or below a failure (blocked)', () => {
    const all = planRestore({ needs, saved: [0, 0, 0, 0, 0, 0].map(() => PENDING), labelOf, labels });
    expect(all.unselected.jobs).toBe(0);
    expect(all.summary['needs-unselected']).toBe(0);
    const made = plan([SUCCEEDED, SUCCEEDED, PENDING, SUCCEEDED, PENDING, PENDING], ['makeWarp']);
    expect(made.unselected.jobs).toBe(0);
    const failed = plan([SUCCEEDED, FAILED, PENDING, SUCCEEDED, PENDING, PENDING], ['makeWarp']);
    expect(failed.why(2)).toBe('blocked');
    expect(failed.unselected.jobs).toBe(0);
  });

  it('is asked again at the end of a run with the live states', () => {
    const eligible = [0, 0, 1, 0, 1, 0];
    const u = unselectedInputs(
      needs,
      [SUCCEEDED, PENDING, PENDING, SUCCEEDED, SUCCEEDED, PENDING],
      eligible,
      labelOf,
      labels,
    );
    expect(u).toMatchObject({ jobs: 1, labels: ['calibrate'] });
    expect([...u.starved]).toEqual([0, 0, 1, 0, 0, 0]);
  });
});
