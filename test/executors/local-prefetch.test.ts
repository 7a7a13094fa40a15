/**
 * The local executor's prefetch: it tells the engine it holds queued jobs, starts them in the
 * order dispatched as its budget frees (never over its cores or memory), reports a job started
 * only when it starts, and ends a queued job that is killed as cancelled without running it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DispatchJob, ExecutorEvents, JobResult, WorkerInfo } from '../../src/engine/executor.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { tempDir, waitFor } from '../engine/helpers.js';

/** A command job that appends `start <id>` and, after `ms`, `end <id>` to dir/trace.txt. */
function traced(dir: string, id: string, ms: number, memoryMB = 100): DispatchJob {
  const trace = join(dir, 'trace.txt');
  const code =
    `const f=require('fs');f.appendFileSync(${JSON.stringify(trace)},'start ${id}\\n');` +
    `setTimeout(()=>f.appendFileSync(${JSON.stringify(trace)},'end ${id}\\n'),${ms})`;
  return {
    id,
    label: 'l',
    attempt: 1,
    payload: { kind: 'command', argv: [process.execPath, '-e', code] },
    memoryMB,
    cpus: 1,
    enforceMemory: false,
    logPath: join(dir, 'logs', `${id}.log`),
  };
}

function recorder() {
  const rec = { joined: [] as WorkerInfo[], started: [] as string[], finished: [] as JobResult[] };
  const events: ExecutorEvents = {
    workerJoined: (w) => rec.joined.push(w),
    workerLost: () => undefined,
    jobStarted: (id) => rec.started.push(id),
    jobFinished: (r) => rec.finished.push(r),
  };
  return { rec, events };
}

const traceOf = (dir: string): string[] =>
  existsSync(join(dir, 'trace.txt')) ? readFileSync(join(dir, 'trace.txt'), 'utf8').trim().split('\n') : [];

/** The most jobs running at once according to the trace. */
function maxConcurrent(lines: string[]): number {
  let now = 0;
  let max = 0;
  for (const l of lines) {
    now += l.startsWith('start') ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe('local executor prefetch', () => {
  it('advertises prefetch (default 32, 0 for none)', () => {
    expect(new LocalExecutor({ cores: 2, memoryMB: 1000 }).worker.prefetch).toBe(32);
    expect(new LocalExecutor({ cores: 2, memoryMB: 1000, prefetch: 4 }).worker.prefetch).toBe(4);
    expect(new LocalExecutor({ cores: 2, memoryMB: 1000, prefetch: 0 }).worker.prefetch).toBeUndefined();
  });

  it('starts queued jobs in the order dispatched, never more than its cores at once', async () => {
    const dir = tempDir('prefetch-order');
    const ex = new LocalExecutor({ cores: 2, memoryMB: 1000 });
    const { rec, events } = recorder();
    await ex.start(events);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) ex.dispatch(traced(dir, id, 150), 'local');
    expect(ex.queued).toBe(4); // two run, four wait here
    await waitFor(() => rec.finished.length === ids.length, 20_000);
    await ex.shutdown();
    expect(rec.finished.map((r) => r.outcome)).toEqual(Array(6).fill('succeeded'));
    const lines = traceOf(dir);
    expect(maxConcurrent(lines)).toBe(2);
    // two start at once (which first is a race between the spawners); the order holds by pairs
    const starts = lines.filter((l) => l.startsWith('start')).map((l) => l.slice(6));
    for (let i = 0; i < ids.length; i += 2)
      expect(new Set(starts.slice(i, i + 2))).toEqual(new Set(ids.slice(i, i + 2)));
    expect(new Set(rec.started)).toEqual(new Set(ids));
    // a queued job's start is when it started, after a job before it ended
    const byId = new Map(rec.finished.map((r) => [r.id, r]));
    expect((byId.get('c') as JobResult).startedAt).toBeGreaterThanOrEqual(
      Math.min((byId.get('a') as JobResult).endedAt, (byId.get('b') as JobResult).endedAt) - 5,
    );
  });

  it('with one core, starts them strictly in the order dispatched', async () => {
    const dir = tempDir('prefetch-fifo');
    const ex = new LocalExecutor({ cores: 1, memoryMB: 1000 });
    const { rec, events } = recorder();
    await ex.start(events);
    const ids = ['e', 'b', 'd', 'a', 'c'];
    for (const id of ids) ex.dispatch(traced(dir, id, 20), 'local');
    await waitFor(() => rec.finished.length === ids.length, 20_000);
    await ex.shutdown();
    expect(traceOf(dir)).toEqual(ids.flatMap((id) => [`start ${id}`, `end ${id}`]));
    expect(rec.started).toEqual(ids);
  });

  it('starts queued jobs by priority, a retry first among equals, then in the order dispatched', async () => {
    const dir = tempDir('prefetch-priority');
    const ex = new LocalExecutor({ cores: 1, memoryMB: 1000 });
    const { rec, events } = recorder();
    await ex.start(events);
    const j = (id: string, priority: number, attempt = 1) => ({ ...traced(dir, id, 20), priority, attempt });
    for (const d of [j('a', 1), j('b', 1), j('c', 1), j('d', 5), j('e', 1, 2), j('f', 0)])
      ex.dispatch(d, 'local');
    await waitFor(() => rec.finished.length === 6, 20_000);
    await ex.shutdown();
    expect(traceOf(dir).filter((l) => l.startsWith('start'))).toEqual(
      ['a', 'd', 'e', 'b', 'c', 'f'].map((id) => `start ${id}`),
    );
  });

  it('leaves the slot of a job that failed to its retry, when the engine sends one at once', async () => {
    const dir = tempDir('prefetch-retry');
    const ex = new LocalExecutor({ cores: 1, memoryMB: 1000 });
    const { rec, events } = recorder();
    // the engine's answer to a failure: a retry, dispatched from its tick (a setImmediate)
    events.jobFinished = (r) => {
      rec.finished.push(r);
      if (r.id === 'x' && r.outcome === 'failed')
        setImmediate(() => ex.dispatch({ ...traced(dir, 'x', 20), attempt: 2 }, 'local'));
    };
    await ex.start(events);
    const fail = {
      ...traced(dir, 'x', 0),
      payload: {
        kind: 'command' as const,
        argv: [
          process.execPath,
          '-e',
          `require('fs').appendFileSync(${JSON.stringify(join(dir, 'trace.txt'))}, 'start x\\nend x\\n'); process.exit(3)`,
        ],
      },
    };
    for (const d of [fail, traced(dir, 'y', 20), traced(dir, 'z', 20)]) ex.dispatch(d, 'local');
    await waitFor(() => rec.finished.length === 4, 20_000);
    await ex.shutdown();
    expect(traceOf(dir).filter((l) => l.startsWith('start'))).toEqual([
      'start x',
      'start x',
      'start y',
      'start z',
    ]);
  });

  it('respects memory: jobs of 600 MB in 1000 MB run one at a time although 2 cores are free', async () => {
    const dir = tempDir('prefetch-memory');
    const ex = new LocalExecutor({ cores: 2, memoryMB: 1000 });
    const { rec, events } = recorder();
    await ex.start(events);
    for (const id of ['a', 'b', 'c']) ex.dispatch(traced(dir, id, 100, 600), 'local');
    await waitFor(() => rec.finished.length === 3, 20_000);
    await ex.shutdown();
    expect(maxConcurrent(traceOf(dir))).toBe(1);
  });

  it('ends a queued job that is killed as cancelled, without starting it', async () => {
    const dir = tempDir('prefetch-kill');
    const ex = new LocalExecutor({ cores: 1, memoryMB: 1000 });
    const { rec, events } = recorder();
    await ex.start(events);
    for (const id of ['a', 'b', 'c']) ex.dispatch(traced(dir, id, 200), 'local');
    ex.kill('b');
    expect(rec.finished).toEqual([
      expect.objectContaining({ id: 'b', outcome: 'cancelled', message: 'cancelled on request' }),
    ]);
    await waitFor(() => rec.finished.length === 3, 20_000);
    await ex.shutdown();
    expect(traceOf(dir).filter((l) => l.startsWith('start'))).toEqual(['start a', 'start c']);
    expect(rec.started).toEqual(['a', 'c']);
  });
});
