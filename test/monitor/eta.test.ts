/**
 * Elapsed time and rate of a run count only the time a manager drove it: they stop at the run's
 * end, leave out the wait before a restore, and a manager killed mid-run counts until its last
 * sign of life. Real runs through the CLI.
 */
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { runEta, type RunEta } from '../../src/engine/report.js';
import { quanta, runToEnd, shellWorkflow, startRun, waitFor } from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function eta(submitDir: string): RunEta & { now: number } {
  const j = openJournalReadOnly(submitDir);
  try {
    const now = Date.now();
    return { ...runEta(j, now), now };
  } finally {
    j.close();
  }
}

describe('driven time', () => {
  it('stops at the end of the run and leaves out the wait before a restore', async () => {
    const { submitDir } = runToEnd('eta-restore');
    const first = eta(submitDir);
    expect(first.sessions).toBe(1);
    expect(first.endedAt).not.toBeNull();
    expect(first.drivenSec).toBeGreaterThan(0.2);
    expect(first.perMinute).toBeCloseTo((9 * 60) / first.drivenSec, 5); // 9 ended: 8 succeeded, 1 failed
    await sleep(1500);
    // nothing moves once the run has ended
    const later = eta(submitDir);
    expect(later.drivenSec).toBe(first.drivenSec);
    expect(later.perMinute).toBe(first.perMinute);
    expect(later.etaSec).toBeNull();

    const r = quanta(['restore', submitDir, '--retry-failed']);
    expect(r.status).toBe(1); // calibrate.2 fails again
    const after = eta(submitDir);
    expect(after.sessions).toBe(2);
    const wall = ((after.endedAt as number) - (after.startedAt as number)) / 1000;
    // the 1.5 s between the two sessions is not driven time
    expect(after.drivenSec).toBeGreaterThan(first.drivenSec);
    expect(after.drivenSec).toBeLessThan(wall - 1.4);
  }, 60_000);

  it('counts a manager killed mid-run until its last sign of life, not until the restore', async () => {
    const run = startRun('eta-crash', shellWorkflow(1.5, 2, 0.1), ['--cores', '2']);
    await waitFor(
      () => /running/.test(quanta(['status', run.submitDir]).stdout) && eta(run.submitDir).sessions,
    );
    await sleep(800);
    run.child.kill('SIGKILL');
    await run.exited;
    const killedAt = Date.now();
    await sleep(2500);
    const dead = eta(run.submitDir);
    expect(dead.endedAt).not.toBeNull();
    expect(dead.endedAt as number).toBeLessThanOrEqual(killedAt);
    const r = quanta(['restore', run.submitDir, '--retry-failed']);
    expect(r.status, r.stderr).toBe(0); // 2 detectors: no failing job
    const after = eta(run.submitDir);
    expect(after.sessions).toBe(2);
    const wall = ((after.endedAt as number) - (after.startedAt as number)) / 1000;
    expect(after.drivenSec).toBeLessThan(wall - 2);
  }, 90_000);
});
