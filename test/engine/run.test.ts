import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { formatReport, runReport } from '../../src/engine/report.js';
import { runWorkflow, startRun, type RunOptions } from '../../src/engine/run.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import {
  JOB_SCRIPT,
  chainsWithGather,
  job,
  markerCount,
  outputComplete,
  tempDir,
  waitFor,
} from './helpers.js';

function opts(
  dir: string,
  jobs: Record<string, unknown>[],
  extra: Partial<RunOptions> & { wf?: Record<string, unknown> } = {},
): RunOptions {
  const { wf, ...rest } = extra;
  return {
    submitDir: join(dir, 'submit'),
    workflow: parseWorkflow({ name: 't', jobs, ...wf }),
    executor: ({ runId }) => new LocalExecutor({ cores: 2, memoryMB: 4000, runId }),
    ...rest,
  };
}

function rows(dir: string) {
  const j = openJournalReadOnly(join(dir, 'submit'));
  try {
    return new Map(j.jobs().map((r) => [r.id, r]));
  } finally {
    j.close();
  }
}

describe('engine run (local executor)', () => {
  it('runs a DAG of chains and gathers, each job exactly once, outputs complete', async () => {
    const dir = tempDir('dag');
    const jobs = chainsWithGather(dir, 2, 3);
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('succeeded');
    expect(s.totals.succeeded).toBe(jobs.length);
    for (const j of jobs) {
      expect(markerCount(dir, j.id as string)).toBe(1);
      expect(outputComplete(dir, j.id as string)).toBe(true);
    }
    const r = rows(dir);
    // a gather starts only after all of its chains ended
    const g = r.get('gather.0');
    for (let d = 0; d < 3; d++)
      expect(g?.started_at).toBeGreaterThanOrEqual(r.get(`c.0.${d}`)?.ended_at ?? Infinity);
  });

  it('retries a crashing job, fails it, blocks downstream and finishes the independent branch', async () => {
    const dir = tempDir('crash');
    const jobs = [
      job(dir, 'bad', 'x', { fail: true, numberOfRetries: 2 }),
      job(dir, 'after-bad', 'y', { needs: ['bad'] }),
      job(dir, 'after-after', 'y', { needs: ['after-bad'] }),
      job(dir, 'good', 'x'),
    ];
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('failed');
    const r = rows(dir);
    expect(r.get('bad')?.state).toBe('failed');
    expect(r.get('bad')?.attempt).toBe(3);
    expect(markerCount(dir, 'bad')).toBe(3);
    expect(r.get('bad')?.exit_code).toBe(3);
    expect(r.get('after-bad')?.state).toBe('blocked');
    expect(r.get('after-after')?.state).toBe('blocked');
    expect(r.get('good')?.state).toBe('succeeded');
    const rep = runReport(join(dir, 'submit'));
    expect(rep.failures.map((f) => f.id)).toEqual(['bad']);
    expect(rep.failures[0].logTail).toContain('failing on purpose');
  });

  it('kills a job that hangs past its timeout', async () => {
    const dir = tempDir('hang');
    const jobs = [job(dir, 'hang', 'h', { sleep: 60_000, timeoutSec: 0.5 })];
    const t0 = Date.now();
    const s = await runWorkflow(opts(dir, jobs));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(s.status).toBe('failed');
    const r = rows(dir).get('hang');
    expect(r?.outcome).toBe('timeout');
    expect(r?.message).toContain('timed out');
  });

  it('kills a job over its memory and retries it with memory x memoryMultiplier', async () => {
    const dir = tempDir('mem');
    const jobs = [
      job(dir, 'big', 'm', {
        alloc: 300,
        sleep: 1000,
        requestMemory: 150,
        numberOfRetries: 1,
        memoryMultiplier: 3,
      }),
    ];
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('succeeded');
    const r = rows(dir).get('big');
    expect(r?.attempt).toBe(2);
    expect(r?.memory_mb).toBe(450);
    expect(r?.peak_memory).toBeGreaterThan(150);
    expect(markerCount(dir, 'big')).toBe(2);
    const j = openJournalReadOnly(join(dir, 'submit'));
    const retryEvents = j.events(0).filter((e) => e.job_id === 'big' && e.state === 'ready');
    j.close();
    expect(retryEvents.some((e) => JSON.stringify(e.data).includes('exceeded 150 MB'))).toBe(true);
    const rep = runReport(join(dir, 'submit'));
    expect(rep.resources[0].suggestedRequestMemoryMB).toBeGreaterThan(300);
  });

  it('completes a full retry cycle: fail, fix, restore --retry-failed runs failed and blocked jobs only', async () => {
    const dir = tempDir('cycle');
    const flag = join(dir, 'broken');
    writeFileSync(flag, '');
    const jobs = [
      job(dir, 'ok', 'a'),
      job(dir, 'flaky', 'a', { failIf: flag, needs: ['ok'] }),
      job(dir, 'down', 'b', { needs: ['flaky'] }),
    ];
    const o = opts(dir, jobs);
    expect((await runWorkflow(o)).status).toBe('failed');
    expect(rows(dir).get('down')?.state).toBe('blocked');
    rmSync(flag);
    expect((await runWorkflow({ ...o, workflow: undefined })).status).toBe('failed'); // plain restore keeps failures
    const s = await runWorkflow({ ...o, workflow: undefined, retryFailed: true });
    expect(s.status).toBe('succeeded');
    expect(markerCount(dir, 'ok')).toBe(1);
    expect(markerCount(dir, 'flaky')).toBe(2);
    expect(markerCount(dir, 'down')).toBe(1);
  });

  it('gives a job run again by restore --retry-failed its numberOfRetries again', async () => {
    const dir = tempDir('refail');
    const jobs = [job(dir, 'bad', 'x', { fail: true, numberOfRetries: 1 })];
    const o = opts(dir, jobs);
    expect((await runWorkflow(o)).status).toBe('failed');
    expect(rows(dir).get('bad')).toMatchObject({ state: 'failed', attempt: 2, failures: 2 });
    expect((await runWorkflow({ ...o, workflow: undefined, retryFailed: true })).status).toBe('failed');
    expect(markerCount(dir, 'bad')).toBe(4); // 1 + numberOfRetries, twice
    expect(rows(dir).get('bad')).toMatchObject({ state: 'failed', attempt: 4, failures: 2 });
    const text = formatReport(runReport(join(dir, 'submit')));
    expect(text).toContain('FAILED bad (x) after 4 attempt(s), 2 of them its own failures');
  });

  it('does not retry an exit code in retryUnlessExit (per job, or the workflow default)', async () => {
    const dir = tempDir('unless');
    const jobs = [
      { ...job(dir, 'own', 'x', { fail: true, numberOfRetries: 2 }), retryUnlessExit: [3] },
      job(dir, 'dflt', 'x', { fail: true, numberOfRetries: 2 }),
      { ...job(dir, 'other', 'x', { fail: true, numberOfRetries: 1 }), retryUnlessExit: 1 },
    ];
    const s = await runWorkflow(opts(dir, jobs, { wf: { retryUnlessExit: [2, 3] } }));
    expect(s.status).toBe('failed');
    expect(markerCount(dir, 'own')).toBe(1);
    expect(markerCount(dir, 'dflt')).toBe(1);
    expect(markerCount(dir, 'other')).toBe(2); // exits 3, which its own list does not name
    expect(rows(dir).get('own')).toMatchObject({ state: 'failed', attempt: 1, exit_code: 3 });
  });

  it('runs a run-always job after a failed need and keeps the run failed', async () => {
    const dir = tempDir('always');
    const final = {
      id: 'final',
      label: 'final',
      argv: [process.execPath, JOB_SCRIPT, '--marker', join(dir, 'markers', 'final')],
      needs: ['after-bad', 'good'],
      runWhen: 'always',
    };
    const jobs = [
      job(dir, 'bad', 'x', { fail: true }),
      job(dir, 'after-bad', 'y', { needs: ['bad'] }),
      job(dir, 'good', 'x'),
      final,
      job(dir, 'after-final', 'z', { argv: [process.execPath, JOB_SCRIPT], needs: ['final'] }),
    ];
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('failed');
    const r = rows(dir);
    expect(r.get('after-bad')?.state).toBe('blocked');
    expect(r.get('final')?.state).toBe('succeeded');
    expect(r.get('final')?.started_at).toBeGreaterThanOrEqual(r.get('good')?.ended_at ?? Infinity);
    expect(r.get('after-final')?.state).toBe('succeeded');
    expect(markerCount(dir, 'final')).toBe(1);
  });

  it('keeps run-always behaviour across restores, and re-runs the job after --retry-failed', async () => {
    const dir = tempDir('always-restore');
    const flag = join(dir, 'broken');
    writeFileSync(flag, '');
    const final = {
      id: 'final',
      label: 'final',
      argv: [process.execPath, JOB_SCRIPT, '--marker', join(dir, 'markers', 'final')],
      needs: ['bad', 'slow'],
      runWhen: 'always',
    };
    const jobs = [job(dir, 'bad', 'x', { failIf: flag }), job(dir, 'slow', 'x', { sleep: 3000 }), final];
    const o = opts(dir, jobs);
    const h = await startRun(o);
    await waitFor(() => rows(dir).get('bad')?.state === 'failed', 20_000);
    h.interrupt();
    expect((await h.done).status).not.toBe('succeeded');
    expect(rows(dir).get('final')?.state).toBe('pending');
    // the restored run: slow runs again, then final, though bad failed
    expect((await runWorkflow({ ...o, workflow: undefined })).status).toBe('failed');
    expect(rows(dir).get('final')?.state).toBe('succeeded');
    expect(markerCount(dir, 'final')).toBe(1);
    rmSync(flag);
    const s = await runWorkflow({ ...o, workflow: undefined, retryFailed: true });
    expect(s.status).toBe('succeeded');
    expect(markerCount(dir, 'bad')).toBe(2);
    expect(markerCount(dir, 'final')).toBe(2); // after bad's new attempt, over the complete results
    expect(rows(dir).get('final')?.started_at).toBeGreaterThanOrEqual(
      rows(dir).get('bad')?.ended_at ?? Infinity,
    );
  });

  it('a job killed by SIGTERM as the run is interrupted (Slurm signalling both) is re-queued, not failed', async () => {
    const dir = tempDir('term-interrupt');
    const dying = join(dir, 'dying');
    const flag = join(dir, 'kill-me');
    writeFileSync(flag, '');
    // while the flag is there the job kills itself with SIGTERM, as Slurm's end of a step does
    const script = `if [ -e '${flag}' ]; then touch '${dying}'; kill -TERM $$; fi`;
    const jobs = [
      { id: 't', label: 't', argv: ['sh', '-c', script], needs: [] },
      job(dir, 'slow', 'x', { sleep: 2000 }),
    ];
    const o = opts(dir, jobs);
    const h = await startRun(o);
    await waitFor(() => existsSync(dying), 20_000);
    h.interrupt(); // the engine's own SIGTERM, a moment after its job's
    expect((await h.done).status).toBe('interrupted');
    const t = rows(dir).get('t');
    expect(t?.state).toBe('ready');
    expect(t?.failures).toBe(0);
    rmSync(flag);
    expect((await runWorkflow({ ...o, workflow: undefined })).status).toBe('succeeded');
  });

  it('gives jobs whose ids differ only in / and _ their own log file per attempt', async () => {
    const dir = tempDir('logs');
    const echo = (id: string) => ({
      id,
      label: 'l/x',
      argv: [process.execPath, '-e', 'console.log("I am " + process.argv[1])', id],
      needs: [],
    });
    const s = await runWorkflow(opts(dir, [echo('a/b'), echo('a_b'), echo('a%2Fb')]));
    expect(s.status).toBe('succeeded');
    const r = rows(dir);
    const paths = ['a/b', 'a_b', 'a%2Fb'].map((id) => r.get(id)?.log_path as string);
    expect(new Set(paths).size).toBe(3);
    for (const id of ['a/b', 'a_b', 'a%2Fb']) {
      const p = r.get(id)?.log_path as string;
      expect(p.startsWith(join(dir, 'submit', 'logs'))).toBe(true);
      expect(readFileSync(p, 'utf8').trim()).toBe(`I am ${id}`);
    }
  });

  it('restore --labels runs only those labels; the rest stays pending', async () => {
    const dir = tempDir('labels');
    const jobs = [job(dir, 'a1', 'a'), job(dir, 'b1', 'b', { needs: ['a1'] }), job(dir, 'c1', 'c')];
    const s = await runWorkflow(opts(dir, jobs, { labels: ['a', 'c'] }));
    expect(s.status).toBe('succeeded');
    const r = rows(dir);
    expect(r.get('a1')?.state).toBe('succeeded');
    expect(r.get('c1')?.state).toBe('succeeded');
    expect(r.get('b1')?.state).toBe('pending');
    const s2 = await runWorkflow({ ...opts(dir, jobs), workflow: undefined, labels: ['b'] });
    expect(s2.totals.succeeded).toBe(3);
  });

  it('cancels during a run: running jobs killed, waiting jobs cancelled', async () => {
    const dir = tempDir('cancel');
    const jobs = Array.from({ length: 8 }, (_, i) => job(dir, `s${i}`, 's', { sleep: 30_000 }));
    const h = await startRun(opts(dir, jobs));
    await new Promise((r) => setTimeout(r, 700));
    h.cancel();
    const s = await h.done;
    expect(s.status).toBe('cancelled');
    expect(s.totals.cancelled).toBe(8);
    expect(s.totals.succeeded).toBe(0);
  });

  it('stops at the deadline: running jobs are killed and left ready, a restore finishes them', async () => {
    const dir = tempDir('deadline');
    const jobs = [job(dir, 'long', 'l', { sleep: 2500 }), job(dir, 'after', 'l', { needs: ['long'] })];
    const o = opts(dir, jobs, { deadline: Date.now() + 1000, deadlineMarginSec: 0, defaultJobSec: 0.1 });
    const s = await runWorkflow(o);
    expect(s.status).toBe('deadline');
    expect(rows(dir).get('long')?.state).toBe('ready');
    // the interrupted attempt keeps its number and log; it is not one of the job's failures
    expect(rows(dir).get('long')).toMatchObject({ attempt: 1, failures: 0 });
    const s2 = await runWorkflow({ ...o, workflow: undefined, deadline: undefined });
    expect(s2.status).toBe('succeeded');
    expect(rows(dir).get('long')).toMatchObject({ attempt: 2, failures: 0 });
    expect(readdirSync(join(dir, 'submit', 'logs', 'l')).filter((f) => f.startsWith('long.'))).toEqual([
      'long.1.log',
      'long.2.log',
    ]);
  });

  it('does not start jobs expected to cross the deadline', async () => {
    const dir = tempDir('deadline2');
    const s = await runWorkflow(
      opts(dir, [job(dir, 'x', 'l')], {
        deadline: Date.now() + 120_000,
        deadlineMarginSec: 60,
        defaultJobSec: 600,
      }),
    );
    expect(s.status).toBe('deadline');
    expect(markerCount(dir, 'x')).toBe(0);
  });

  it('fails a job bigger than every worker with a clear message', async () => {
    const dir = tempDir('unfit');
    const s = await runWorkflow(opts(dir, [job(dir, 'huge', 'h', { requestMemory: 100_000 })]));
    expect(s.status).toBe('failed');
    expect(rows(dir).get('huge')?.message).toMatch(/needs 100000 MB .* largest worker has 4000 MB/);
  });

  it('fails a job whose predicted output is missing', async () => {
    const dir = tempDir('outputs');
    const jobs = [
      {
        ...job(dir, 'liar', 'l'),
        outputs: [
          {
            id: 'u1',
            datasetType: 'thing',
            run: 'r',
            dataId: { visit: 1 },
            path: join(dir, 'out', 'never.json'),
          },
        ],
      },
      {
        ...job(dir, 'honest', 'l'),
        outputs: [
          {
            id: 'u2',
            datasetType: 'thing',
            run: 'r',
            dataId: { visit: 2 },
            path: join(dir, 'out', 'honest.json'),
          },
        ],
      },
    ];
    const s = await runWorkflow(opts(dir, jobs));
    expect(s.status).toBe('failed');
    expect(rows(dir).get('liar')?.message).toContain('missing output thing');
    expect(rows(dir).get('honest')?.state).toBe('succeeded');
    expect(existsSync(join(dir, 'out', 'honest.json'))).toBe(true);
  });
});
