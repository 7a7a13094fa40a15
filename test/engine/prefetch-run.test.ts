/**
 * Runs through the local executor's prefetch (on by default): the journal's `running` row of a
 * queued job has no start time until the job starts; never more started jobs than slots; a cancel
 * ends the queued jobs without running them. Journal transitions are committed one transaction
 * per tick however many results the tick applies.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { runWorkflow, startRun, type RunOptions } from '../../src/engine/run.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { tempDir, waitFor } from './helpers.js';

/** A job that appends `start <id>` then, after `ms`, `end <id>` to dir/trace.txt. */
function traced(dir: string, id: string, ms: number): Record<string, unknown> {
  const trace = JSON.stringify(join(dir, 'trace.txt'));
  const code = `const f=require('fs');f.appendFileSync(${trace},'start ${id}\\n');setTimeout(()=>f.appendFileSync(${trace},'end ${id}\\n'),${ms})`;
  return { id, label: 'l', argv: [process.execPath, '-e', code], requestMemory: 100, requestCpus: 1 };
}

function opts(dir: string, jobs: Record<string, unknown>[]): RunOptions {
  return {
    submitDir: join(dir, 'submit'),
    workflow: parseWorkflow({ name: 't', jobs }),
    executor: ({ runId }) => new LocalExecutor({ cores: 2, memoryMB: 4000, runId }),
  };
}

const traceOf = (dir: string): string[] =>
  existsSync(join(dir, 'trace.txt')) ? readFileSync(join(dir, 'trace.txt'), 'utf8').trim().split('\n') : [];

/** Running rows of the journal, read as `quanta status` would. */
function runningRows(dir: string): { started: number; queued: number } {
  const db = new Database(join(dir, 'submit', 'journal.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    const r = db
      .prepare(
        "SELECT sum(started_at IS NOT NULL) AS started, sum(started_at IS NULL) AS queued FROM jobs WHERE state = 'running'",
      )
      .get() as { started: number | null; queued: number | null };
    return { started: r.started ?? 0, queued: r.queued ?? 0 };
  } finally {
    db.close();
  }
}

/** `n` task quanta that append start/end to dir/trace.txt and sleep `ms` (warm processes, lanes). */
function quanta(dir: string, n: number, ms: number): Record<string, unknown>[] {
  const trace = JSON.stringify(join(dir, 'trace.txt'));
  const mod = join(dir, 'trace.mts');
  writeFileSync(
    mod,
    `import { appendFileSync } from 'node:fs';\nimport { defineTask } from ${JSON.stringify(resolve('src/task/define-task.ts'))};\n` +
      `export const trace = defineTask({ name: 'Trace', dimensions: [], connections: { outputs: {} }, run: async ({ dataId }) => {\n` +
      `  appendFileSync(${trace}, 'start ' + dataId.i + '\\n');\n  await new Promise((r) => setTimeout(r, ${ms}));\n` +
      `  appendFileSync(${trace}, 'end ' + dataId.i + '\\n');\n  return {};\n} });\n`,
  );
  return Array.from({ length: n }, (_, i) => {
    const quantumFile = join(dir, `q${i}.json`);
    writeFileSync(
      quantumFile,
      JSON.stringify({
        task: { label: 't', module: mod, exportName: 'trace', config: {} },
        dataId: { i: `q${i}` },
        run: 'r',
        datastoreRoot: dir,
        inputs: {},
        outputs: {},
      }),
    );
    return {
      id: `q${i}`,
      label: 't',
      task: { module: mod, exportName: 'trace', quantumFile },
      // a warm tsx process alone is over 100 MB while it compiles the task, more so under load
      requestMemory: 500,
    };
  });
}

const rowsOf = (dir: string) => {
  const j = openJournalReadOnly(join(dir, 'submit'));
  try {
    return j.jobs().map((r) => [r.id, r.state, r.outcome, r.message]);
  } finally {
    j.close();
  }
};

describe('runs with prefetch', () => {
  it('runs quanta through lanes, two at a time, and a cancel drops those queued in warm processes', async () => {
    const dir = tempDir('prefetch-lanes');
    const ok = await runWorkflow(opts(dir, quanta(dir, 30, 5)));
    expect(ok.status, JSON.stringify(rowsOf(dir).filter((r) => r[2] !== 'succeeded'))).toBe('succeeded');
    expect(ok.totals.succeeded).toBe(30);
    const lines = traceOf(dir);
    let now = 0;
    let max = 0;
    for (const l of lines) max = Math.max(max, (now += l.startsWith('start') ? 1 : -1));
    expect(max).toBeLessThanOrEqual(2);

    const dir2 = tempDir('prefetch-lanes-cancel');
    const h = await startRun(opts(dir2, quanta(dir2, 12, 30_000)));
    await waitFor(() => traceOf(dir2).filter((l) => l.startsWith('start')).length === 2, 20_000);
    h.cancel();
    const s = await h.done;
    expect(s.status).toBe('cancelled');
    expect(s.totals, JSON.stringify(rowsOf(dir2))).toMatchObject({ cancelled: 12 });
    expect(traceOf(dir2).filter((l) => l.startsWith('start')).length).toBe(2);
    expect(traceOf(dir2).some((l) => l.startsWith('end'))).toBe(false);
  });

  it('journals a queued job as running without a start time, and never more started than slots', async () => {
    const dir = tempDir('prefetch-journal');
    const jobs = Array.from({ length: 10 }, (_, i) => traced(dir, `j${i}`, 250));
    const progress: number[] = [];
    const h = await startRun({
      ...opts(dir, jobs),
      onProgress: (p) => progress.push(p.totals.running),
      progressIntervalMs: 20,
    });
    const seen: { started: number; queued: number }[] = [];
    const status: { running: number; ready: number }[] = [];
    while (
      !(await Promise.race([h.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]))
    ) {
      if (!existsSync(join(dir, 'submit', 'journal.sqlite3'))) continue;
      seen.push(runningRows(dir));
      const j = openJournalReadOnly(join(dir, 'submit'));
      status.push(j.totals());
      j.close();
    }
    expect((await h.done).status).toBe('succeeded');
    expect(Math.max(...seen.map((s) => s.started))).toBeLessThanOrEqual(2);
    expect(seen.some((s) => s.queued > 0)).toBe(true); // held queued by the executor, journaled so
    // status and progress count a queued job as ready, not running
    expect(Math.max(...status.map((t) => t.running))).toBeLessThanOrEqual(2);
    expect(status.some((t) => t.ready > 0 && t.running > 0)).toBe(true);
    expect(Math.max(...progress)).toBeLessThanOrEqual(2);
    expect(progress.some((n) => n > 0)).toBe(true);
    const j = openJournalReadOnly(join(dir, 'submit'));
    try {
      const rows = j.jobs();
      expect(rows.every((r) => r.state === 'succeeded' && r.started_at !== null && r.ended_at !== null)).toBe(
        true,
      );
      // from the journal alone: at most 2 jobs overlapped
      const edges = rows.flatMap((r) => [
        [r.started_at as number, 1],
        [r.ended_at as number, -1],
      ]);
      edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let now = 0;
      let max = 0;
      for (const [, d] of edges) max = Math.max(max, (now += d));
      expect(max).toBeLessThanOrEqual(2);
    } finally {
      j.close();
    }
    // one running and one succeeded event per job: batching commits, it does not merge transitions
    const db = new Database(join(dir, 'submit', 'journal.sqlite3'), { readonly: true });
    const ev = db.prepare("SELECT state, count(*) AS n FROM events WHERE kind = 'job' GROUP BY state").all();
    db.close();
    expect(ev).toEqual(
      expect.arrayContaining([
        { state: 'running', n: 10 },
        { state: 'succeeded', n: 10 },
      ]),
    );
  });

  it('cancels jobs held queued without running them', async () => {
    const dir = tempDir('prefetch-cancel');
    const jobs = Array.from({ length: 12 }, (_, i) => traced(dir, `j${i}`, 30_000));
    const h = await startRun(opts(dir, jobs));
    await waitFor(() => traceOf(dir).filter((l) => l.startsWith('start')).length === 2, 20_000);
    h.cancel();
    const s = await h.done;
    expect(s.status).toBe('cancelled');
    expect(s.totals.cancelled).toBe(12);
    const starts = traceOf(dir).filter((l) => l.startsWith('start'));
    expect(starts.length).toBe(2);
    expect(traceOf(dir).some((l) => l.startsWith('end'))).toBe(false); // the running ones were killed
  });

  it('starts a gather only after all its needs ended', async () => {
    const dir = tempDir('prefetch-dag');
    const jobs = [
      ...Array.from({ length: 8 }, (_, i) => ({ ...traced(dir, `a${i}`, 10) })),
      { ...traced(dir, 'g', 10), needs: Array.from({ length: 8 }, (_, i) => `a${i}`) },
    ];
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('succeeded');
    const lines = traceOf(dir);
    expect(lines.indexOf('start g')).toBeGreaterThan(
      Math.max(...jobs.slice(0, 8).map((j) => lines.indexOf(`end ${j.id as string}`))),
    );
  });
});
