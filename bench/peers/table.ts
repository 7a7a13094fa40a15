/** The peers bench's table: medians per workload and system, ratios to quanta from the same run. */

export type Workload = 'dag' | 'pipeline' | 'recovery';

/** One run of one system, as bench/peers/inner.py writes it (times in s, RSS in MB). */
export interface PeersRow {
  workload: Workload;
  system: string;
  rep: number;
  status: number;
  wall_s: number;
  first_task_s: number | null;
  tasks: number;
  manager_peak_rss_mb: number;
  /** recovery only */
  killed_at_s?: number;
  finished_at_kill?: number;
  recorded_at_kill?: number;
  missing_after?: number;
  rerun_finished?: number;
  rerun_recorded?: number;
}

export interface SummaryRow {
  workload: Workload;
  system: string;
  reps: number;
  failedReps: number;
  wallS: number;
  firstTaskS: number | null;
  /** tasks / (wall - time to first task): start-up (workers included) reported apart */
  tasksPerS: number;
  /** 6 cores x (wall - first task) / tasks, in core-ms */
  overheadCoreMs: number;
  peakRssMb: number;
  ratioToQuanta: number | null;
  rerunFinished?: number;
  rerunRecorded?: number;
  recordedAtKill?: number;
}

export const ALLOCATION_CORES = 6;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarise(rows: PeersRow[]): { summary: SummaryRow[]; text: string } {
  const groups = new Map<string, PeersRow[]>();
  for (const r of rows) {
    const k = `${r.workload}\u0000${r.system}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const summary: SummaryRow[] = [];
  for (const rs of groups.values()) {
    const ok = rs.filter((r) => r.status === 0);
    const use = ok.length ? ok : rs;
    const firsts = use.map((r) => r.first_task_s).filter((v): v is number => v !== null);
    const first = firsts.length ? median(firsts) : null;
    const busy = use.map((r) => r.wall_s - (r.first_task_s ?? 0));
    const row: SummaryRow = {
      workload: rs[0].workload,
      system: rs[0].system,
      reps: rs.length,
      failedReps: rs.length - ok.length,
      wallS: median(use.map((r) => r.wall_s)),
      firstTaskS: first,
      tasksPerS: median(use.map((r, i) => r.tasks / busy[i])),
      overheadCoreMs: median(use.map((r, i) => (ALLOCATION_CORES * busy[i] * 1000) / r.tasks)),
      peakRssMb: median(use.map((r) => r.manager_peak_rss_mb)),
      ratioToQuanta: null,
    };
    if (rs[0].workload === 'recovery') {
      row.rerunFinished = median(use.map((r) => r.rerun_finished ?? 0));
      row.rerunRecorded = median(use.map((r) => r.rerun_recorded ?? 0));
      row.recordedAtKill = median(use.map((r) => r.recorded_at_kill ?? 0));
    }
    summary.push(row);
  }
  for (const s of summary) {
    const q = summary.find((o) => o.workload === s.workload && o.system === 'quanta');
    if (!q) continue;
    // dag, pipeline: throughput of quanta / the system's; recovery: the system's restore time / quanta's
    s.ratioToQuanta = s.workload === 'recovery' ? s.wallS / q.wallS : q.tasksPerS / s.tasksPerS;
  }
  const f = (v: number | null | undefined, d = 1) =>
    v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d);
  const table = [
    [
      'workload',
      'system',
      'tasks/s',
      'overhead core-ms/task',
      'first task s',
      'wall s',
      'peak RSS MB',
      'quanta ratio',
      're-run (recorded)',
      'reps (failed)',
    ],
    ...summary.map((s) => [
      s.workload,
      s.system,
      s.workload === 'recovery' ? '—' : f(s.tasksPerS),
      s.workload === 'recovery' ? '—' : f(s.overheadCoreMs),
      f(s.firstTaskS, 2),
      f(s.wallS),
      f(s.peakRssMb, 0),
      s.ratioToQuanta === null ? '—' : `${s.ratioToQuanta.toFixed(2)}x`,
      s.workload === 'recovery' ? `${f(s.rerunFinished, 0)} (${f(s.rerunRecorded, 0)})` : '',
      `${s.reps} (${s.failedReps})`,
    ]),
  ];
  const w = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const text = table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return {
    summary,
    text:
      `${text}\n` +
      "quanta ratio: dag/pipeline, quanta tasks/s over the system's; recovery, the system's restore wall over quanta's.\n" +
      're-run: tasks that had written their marker before the kill and ran again (of them, the ones the manager had recorded done).',
  };
}
