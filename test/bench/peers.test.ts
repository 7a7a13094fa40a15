import { describe, expect, it } from 'vitest';
import { summarise, type PeersRow } from '../../bench/peers/table.js';
import { dagWorkflow } from '../../bench/peers/workflows.js';

describe('peers bench: the DAG every system runs', () => {
  it('lists each job after its needs, in 10 layers with two parents each', () => {
    const wf = dagWorkflow(1000, null);
    expect(wf.jobs).toHaveLength(1000);
    const pos = new Map(wf.jobs.map((j, i) => [j.id, i]));
    for (const [i, j] of wf.jobs.entries()) {
      for (const n of j.needs) expect(pos.get(n)!).toBeLessThan(i);
      expect(j.needs).toHaveLength(i < 100 ? 0 : 2);
    }
    expect(wf.jobs[0].argv).toEqual(['true', 'noop.0']);
    // Parsl's app cache keys on the command line: no two jobs may share one
    expect(new Set(wf.jobs.map((j) => j.argv.join(' '))).size).toBe(1000);
  });

  it('gives each job a marker of its own in the recovery workload', () => {
    const wf = dagWorkflow(25, '/m');
    expect(new Set(wf.jobs.map((j) => j.argv[2])).size).toBe(25);
    expect(wf.jobs[7].argv).toEqual(['sh', '-c', 'echo x >> /m/7']);
    // 25 jobs: layers of 3, every job after the first layer needs jobs of the one before
    expect(wf.jobs[3].needs).toEqual(['noop.0', 'noop.1']);
  });
});

describe('peers bench: the table', () => {
  const row = (system: string, rep: number, wall: number, first: number, status = 0): PeersRow => ({
    workload: 'dag',
    system,
    rep,
    status,
    wall_s: wall,
    first_task_s: first,
    tasks: 600,
    manager_peak_rss_mb: 100 + rep,
  });

  it('takes medians of the runs that succeeded and the ratio to quanta of the same run', () => {
    const { summary, text } = summarise([
      row('quanta', 1, 4, 1),
      row('parsl', 1, 13, 10),
      row('quanta', 2, 5, 2),
      row('parsl', 2, 16, 10),
      row('quanta', 3, 7, 1),
      row('parsl', 3, 99, 1, 1),
    ]);
    const q = summary.find((s) => s.system === 'quanta')!;
    const p = summary.find((s) => s.system === 'parsl')!;
    expect(q.tasksPerS).toBe(200); // 600 / (4-1), 600 / (5-2), 600 / (7-1): 200, 200, 100
    expect(q.overheadCoreMs).toBe(30); // 6 cores x 3 s / 600
    expect(p.failedReps).toBe(1);
    expect(p.tasksPerS).toBe(150); // median of 200 and 100, rep 3 failed
    expect(p.ratioToQuanta).toBeCloseTo(200 / 150);
    expect(p.firstTaskS).toBe(10);
    expect(text).toMatch(/parsl\s+150\.0/);
  });

  it('compares restore times and counts re-runs in the recovery workload', () => {
    const rec = (system: string, wall: number, rerun: number, recorded: number): PeersRow => ({
      ...row(system, 1, wall, 0),
      workload: 'recovery',
      first_task_s: null,
      rerun_finished: rerun,
      rerun_recorded: recorded,
    });
    const { summary } = summarise([rec('quanta', 2, 4, 0), rec('parsl', 10, 7, 3)]);
    const p = summary.find((s) => s.system === 'parsl')!;
    expect(p.ratioToQuanta).toBe(5);
    expect([p.rerunFinished, p.rerunRecorded]).toEqual([7, 3]);
  });
});
