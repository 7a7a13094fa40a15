/**
 * Warm processes holding queued quanta (lanes): a quantum run `after` another starts in the same
 * process when that one ends; the requests queued in one turn go in one IPC message; a queued
 * quantum that is killed never runs; one whose process dies first ends `lost`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DispatchJob, JobResult } from '../../src/engine/executor.js';
import { JobRunner } from '../../src/executors/job-runner.js';
import { tempDir } from '../engine/helpers.js';

const W = { id: 'w1', node: 'n1' };

/** A task that appends `start <i> <pid>` and `end <i>` to trace.txt and sleeps dataId.ms. */
function taskDir(prefix: string): { dir: string; task: (id: string, ms?: number) => DispatchJob } {
  const dir = tempDir(prefix);
  const defineTask = resolve('src/task/define-task.ts');
  const trace = join(dir, 'trace.txt');
  writeFileSync(
    join(dir, 'trace.mts'),
    `import { appendFileSync } from 'node:fs';\nimport { defineTask } from ${JSON.stringify(defineTask)};\n` +
      `export const trace = defineTask({ name: 'Trace', dimensions: [], connections: { outputs: {} }, run: async ({ dataId }) => {\n` +
      `  appendFileSync(${JSON.stringify(trace)}, 'start ' + dataId.i + ' ' + process.pid + '\\n');\n` +
      `  await new Promise((r) => setTimeout(r, Number(dataId.ms)));\n` +
      `  appendFileSync(${JSON.stringify(trace)}, 'end ' + dataId.i + '\\n');\n` +
      `  return {};\n} });\n`,
  );
  const task = (id: string, ms = 0): DispatchJob => {
    const quantumFile = join(dir, `${id}.json`);
    writeFileSync(
      quantumFile,
      JSON.stringify({
        task: { label: 't', module: join(dir, 'trace.mts'), exportName: 'trace', config: {} },
        dataId: { i: id, ms },
        run: 'r',
        datastoreRoot: dir,
        inputs: {},
        outputs: {},
      }),
    );
    return {
      id,
      label: 't',
      attempt: 1,
      payload: { kind: 'task', module: join(dir, 'trace.mts'), exportName: 'trace', quantumFile },
      memoryMB: 100,
      cpus: 1,
      enforceMemory: false,
      logPath: join(dir, 'logs', `${id}.log`),
    };
  };
  return { dir, task };
}

const traceOf = (dir: string): string[] =>
  existsSync(join(dir, 'trace.txt')) ? readFileSync(join(dir, 'trace.txt'), 'utf8').trim().split('\n') : [];

const datastoreReady = existsSync(resolve('src/butler/datastore/index.ts'));

describe.skipIf(!datastoreReady)('warm lanes', () => {
  it('runs quanta queued after another in the same process, in order, one at a time, batched', async () => {
    const { dir, task } = taskDir('lanes-order');
    const r = new JobRunner();
    const started: string[] = [];
    const onStart = (id: string) => () => started.push(id);
    const first = r.run(task('a', 100), W, { onStart: onStart('a') });
    // queued in the same turn: b..f go out in one message with a (the process was not ready yet)
    const rest = ['b', 'c', 'd', 'e', 'f'].map((id) =>
      r.run(task(id, 5), W, { after: 'a', onStart: onStart(id) }),
    );
    expect(r.queuedAfter('a')).toBe(5);
    const results = await Promise.all([first, ...rest]);
    expect(results.map((x) => x.outcome)).toEqual(Array(6).fill('succeeded'));
    const lines = traceOf(dir);
    // strictly sequential, in the order queued, all in one process
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((id) => [`start ${id}`, `end ${id}`]),
    );
    expect(new Set(lines.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[2])).size).toBe(1);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(r.warmStats).toEqual({ messages: 1, quanta: 6 });
    // a queued quantum's start is when it began, not when it was queued
    for (let i = 1; i < results.length; i++)
      expect(results[i].startedAt).toBeGreaterThanOrEqual(results[i - 1].endedAt - 5);
    await r.shutdown();
  });

  it('drops a queued quantum that is killed: it ends cancelled and never runs', async () => {
    const { dir, task } = taskDir('lanes-drop');
    const r = new JobRunner();
    const a = r.run(task('a', 300), W);
    const b = r.run(task('b'), W, { after: 'a' });
    const c = r.run(task('c'), W, { after: 'a' });
    // wait until the batch was sent and a runs, so the drop goes to the worker
    while (!traceOf(dir).some((l) => l.startsWith('start a')))
      await new Promise((res) => setTimeout(res, 10));
    r.kill('b');
    const rb: JobResult = await b;
    expect(rb.outcome).toBe('cancelled');
    expect(rb.message).toBe('cancelled before it started');
    expect((await a).outcome).toBe('succeeded');
    expect((await c).outcome).toBe('succeeded');
    const ids = traceOf(dir).map((l) => l.split(' ')[1]);
    expect(ids).not.toContain('b');
    expect(ids).toEqual(['a', 'a', 'c', 'c']);
    await r.shutdown();
  });

  it('kills a quantum that started before its drop arrived, and ends the others queued lost', async () => {
    const { dir, task } = taskDir('lanes-late');
    const r = new JobRunner();
    const a = r.run(task('a', 0), W);
    let bStarted = false;
    const b = r.run(task('b', 2000), W, { after: 'a', onStart: () => (bStarted = true) });
    const c = r.run(task('c', 0), W, { after: 'a' });
    // b runs in the worker and the runner has heard so: the kill is of a running quantum (the
    // drop that races the start is the next test)
    while (!bStarted) await new Promise((res) => setTimeout(res, 5));
    expect(traceOf(dir).some((l) => l.startsWith('start b'))).toBe(true);
    r.kill('b');
    expect((await a).outcome).toBe('succeeded');
    const rb = await b;
    expect(rb.outcome).toBe('cancelled');
    const rc = await c;
    expect(rc.outcome).toBe('lost'); // its process went with b: it never ran, the engine re-queues it
    expect(rc.message).toContain('before the quantum started');
    expect(traceOf(dir).some((l) => l.startsWith('end b'))).toBe(false);
    expect(traceOf(dir).some((l) => l.startsWith('start c'))).toBe(false);
    await r.shutdown();
  });

  it('kills its process when a dropped quantum had started before the drop arrived', async () => {
    const { dir, task } = taskDir('lanes-doomed');
    const r = new JobRunner();
    const a = r.run(task('a', 300), W);
    const b = r.run(task('b', 5000), W, { after: 'a' });
    const c = r.run(task('c', 0), W, { after: 'a' });
    while (!traceOf(dir).some((l) => l.startsWith('start a'))) await new Promise((res) => setTimeout(res, 5));
    // spin without yielding: this process cannot hear 'start b', so the drop races the worker
    const until = Date.now() + 10_000;
    while (!traceOf(dir).some((l) => l.startsWith('start b')) && Date.now() < until);
    r.kill('b');
    const rb = await b;
    expect(rb.outcome).toBe('cancelled');
    expect(rb.message).toBe('cancelled before it started'); // the drop path, not a kill of a running one
    expect((await a).outcome).toBe('succeeded');
    const rc = await c;
    expect(rc.outcome).toBe('lost');
    expect(rc.message).toContain('had started in it');
    await new Promise((res) => setTimeout(res, 200));
    expect(traceOf(dir).some((l) => l.startsWith('end b'))).toBe(false); // killed, it did not run on
    await r.shutdown();
  });

  it('runs a quantum whose `after` has ended in a fresh or idle process', async () => {
    const { task } = taskDir('lanes-gone');
    const r = new JobRunner();
    expect((await r.run(task('a'), W)).outcome).toBe('succeeded');
    expect((await r.run(task('b'), W, { after: 'a' })).outcome).toBe('succeeded');
    await r.shutdown();
  });
});
