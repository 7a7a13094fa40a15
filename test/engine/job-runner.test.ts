import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DispatchJob, JobResult } from '../../src/engine/executor.js';
import { JobRunner } from '../../src/executors/job-runner.js';
import { findProcessesWithEnv, parentOf } from '../../src/executors/proc-tree.js';
import { running, tempDir, waitFor } from './helpers.js';
import { SPAWNERS, useSpawner } from '../helpers/spawners.js';

const W = { id: 'w1', node: 'n1' };

function cmd(dir: string, id: string, argv: string[], extra: Partial<DispatchJob> = {}): DispatchJob {
  return {
    id,
    label: 'l',
    attempt: 1,
    payload: { kind: 'command', argv },
    memoryMB: 1000,
    cpus: 1,
    enforceMemory: true,
    logPath: join(dir, 'logs', `${id}.log`),
    ...extra,
  };
}

/**
 * A runner whose job kills itself with SIGTERM, as Slurm's end of a step does; resolves once the
 * job is dead and its result held back (the grace is long), with the result to come.
 */
async function jobDeadOfSigterm(dir: string): Promise<{ r: JobRunner; result: Promise<JobResult> }> {
  const marker = join(dir, 'dying');
  const r = new JobRunner({ stopSignalGraceMs: 60_000 });
  const result = r.run(cmd(dir, 'x', ['sh', '-c', `touch '${marker}'; kill -TERM $$`]), W);
  await waitFor(() => existsSync(marker), 10_000);
  await new Promise((ok) => setTimeout(ok, 200));
  return { r, result };
}

describe.each(SPAWNERS)('JobRunner (%s spawner)', (spawner) => {
  useSpawner(spawner);
  it('sends stdout and stderr to the log and reports the exit code', async () => {
    const dir = tempDir('jr-log');
    const r = new JobRunner();
    const res = await r.run(
      cmd(dir, 'x', [
        process.execPath,
        '-e',
        'console.log("to out"); console.error("to err"); process.exit(4)',
      ]),
      W,
    );
    expect(res.outcome).toBe('failed');
    expect(res.exitCode).toBe(4);
    expect(res.message).toBe('exited with code 4');
    const log = readFileSync(join(dir, 'logs', 'x.log'), 'utf8');
    expect(log).toContain('to out');
    expect(log).toContain('to err');
    await r.shutdown();
  });

  it('reports a missing executable as a failure with a message', async () => {
    const dir = tempDir('jr-enoent');
    const r = new JobRunner();
    const res = await r.run(cmd(dir, 'x', [join(dir, 'no-such-program')]), W);
    expect(res.outcome).toBe('failed');
    expect(res.message).toContain('ENOENT');
  });

  it('sums the memory of the whole process tree and kills the group when over', async () => {
    const dir = tempDir('jr-tree');
    const child = 'const b=Buffer.alloc(120*2**20,1); setTimeout(()=>{},20000)';
    // a parent that starts two children, each holding 120 MB: only the sum exceeds 200 MB
    const parent = `const {spawn}=require('child_process'); for (let i=0;i<2;i++) spawn(process.execPath,['-e',${JSON.stringify(child)}],{stdio:'inherit'}); setTimeout(()=>{},20000)`;
    const r = new JobRunner();
    const t0 = Date.now();
    const res = await r.run(cmd(dir, 'tree', [process.execPath, '-e', parent], { memoryMB: 200 }), W);
    expect(res.outcome).toBe('memory');
    expect(res.peakMemoryMB).toBeGreaterThan(200);
    expect(res.message).toMatch(/exceeded 200 MB \(peak \d+ MB\)/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('does not kill over memory when enforcement is off, but still measures the peak', async () => {
    const dir = tempDir('jr-noenf');
    const r = new JobRunner();
    const res = await r.run(
      cmd(dir, 'm', [process.execPath, '-e', 'const b=Buffer.alloc(150*2**20,1); setTimeout(()=>{},400)'], {
        memoryMB: 50,
        enforceMemory: false,
      }),
      W,
    );
    expect(res.outcome).toBe('succeeded');
    expect(res.peakMemoryMB).toBeGreaterThan(100);
  });

  it('kills on request with outcome cancelled, including background children of the job', async () => {
    const dir = tempDir('jr-kill');
    const pidFile = join(dir, 'bg.pid');
    const r = new JobRunner({ killGraceMs: 300 });
    const script = `sleep 30 & echo $! > ${pidFile}; wait`;
    const p = r.run(cmd(dir, 'k', ['/bin/sh', '-c', script]), W);
    for (let i = 0; i < 50 && !existsSync(pidFile); i++) await new Promise((res) => setTimeout(res, 50));
    const bg = Number(readFileSync(pidFile, 'utf8'));
    expect(running(bg)).toBe(true);
    r.kill('k', 'cancelled');
    const res = await p;
    expect(res.outcome).toBe('cancelled');
    await new Promise((res2) => setTimeout(res2, 400));
    expect(running(bg)).toBe(false);
  });

  it('a job killed by SIGTERM it did not send fails, once the grace shows the runner is not stopping', async () => {
    const dir = tempDir('jr-term');
    const r = new JobRunner({ stopSignalGraceMs: 200 });
    const res = await r.run(cmd(dir, 'x', ['sh', '-c', 'kill -TERM $$']), W);
    expect(res.outcome).toBe('failed');
    expect(res.signal).toBe('SIGTERM');
    expect(res.message).toBe('killed by SIGTERM');
    // a signal that does not stop allocations fails at once, without the grace
    const r2 = new JobRunner({ stopSignalGraceMs: 60_000 });
    const usr = await r2.run(cmd(dir, 'y', ['sh', '-c', 'kill -USR1 $$']), W);
    expect(usr.outcome).toBe('failed');
    expect(usr.signal).toBe('SIGUSR1');
    await Promise.all([r.shutdown(), r2.shutdown()]);
  });

  it('a job killed by SIGTERM while its runner is being shut down (Slurm ending the step) ends lost', async () => {
    const { r, result } = await jobDeadOfSigterm(tempDir('jr-term-stop'));
    await r.shutdown();
    const res = await result;
    expect(res.outcome).toBe('lost');
    expect(res.signal).toBe('SIGTERM');
    expect(res.message).toContain('as its worker was being stopped');
  });

  it('a job whose spawner Slurm killed with SIGTERM, its runner shut down meanwhile, ends lost', async () => {
    const dir = tempDir('jr-spawner-term');
    const tag = `spawner-term-${process.pid}-${Date.now()}`;
    const r = new JobRunner({ stopSignalGraceMs: 60_000, env: { QUANTA_TEST_TAG: tag } });
    const result = r.run(cmd(dir, 'x', ['sleep', '30']), W);
    let job: number | undefined;
    await waitFor(() => (job = findProcessesWithEnv('QUANTA_TEST_TAG', tag)[0]) !== undefined, 5000);
    process.kill(parentOf(job as number) as number, 'SIGTERM');
    await new Promise((ok) => setTimeout(ok, 300)); // the spawner is dead; the job's result held back
    await r.shutdown();
    const res = await result;
    expect(res.outcome).toBe('lost');
    expect(res.message).toMatch(
      /spawner process exited \(SIGTERM\) while the job ran, as its worker was being stopped/,
    );
  });

  it('a job killed by SIGTERM and then killed on request (the engine stopping) ends cancelled', async () => {
    const { r, result } = await jobDeadOfSigterm(tempDir('jr-term-kill'));
    r.kill('x');
    const res = await result;
    expect(res.outcome).toBe('cancelled');
    expect(res.message).toContain('as its run was being stopped');
    await r.shutdown();
  });

  it('runs task quanta in one reused warm process and replaces a crashed one', async () => {
    const dir = tempDir('jr-warm');
    const defineTask = resolve('src/task/define-task.ts');
    writeFileSync(
      join(dir, 'noop.mts'),
      `import { defineTask } from ${JSON.stringify(defineTask)};\nconsole.log('imported in ' + process.pid);\n` +
        `export const noop = defineTask({ name: 'Noop', dimensions: [], connections: { outputs: {} }, run: () => ({}) });\n`,
    );
    writeFileSync(join(dir, 'crash.mts'), `process.exit(7);\nexport const crash = 1;\n`);
    writeFileSync(
      join(dir, 'fails.mts'),
      `import { defineTask } from ${JSON.stringify(defineTask)};\n` +
        `export const fails = defineTask({ name: 'Fails', dimensions: [], connections: { outputs: {} }, run: () => { throw new Error('no luck'); } });\n`,
    );
    const quantum = (module: string, exportName: string, n: number) => {
      const f = join(dir, `q${n}.json`);
      writeFileSync(
        f,
        JSON.stringify({
          task: { label: 't', module, exportName, config: {} },
          dataId: {},
          run: 'r',
          datastoreRoot: dir,
          inputs: {},
          outputs: {},
        }),
      );
      return f;
    };
    const task = (id: string, module: string, exportName: string, n: number): DispatchJob => ({
      ...cmd(dir, id, ['unused']),
      payload: { kind: 'task', module, exportName, quantumFile: quantum(module, exportName, n) },
    });
    const datastoreReady = existsSync(resolve('src/butler/datastore/index.ts'));
    const r = new JobRunner();
    const a = await r.run(task('a', join(dir, 'noop.mts'), 'noop', 1), W);
    const b = await r.run(task('b', join(dir, 'noop.mts'), 'noop', 2), W);
    const logA = readFileSync(join(dir, 'logs', 'a.log'), 'utf8');
    expect(logA).toMatch(/imported in \d+/);
    // same warm process: the module was imported once, so b wrote nothing and has no log file
    expect(existsSync(join(dir, 'logs', 'b.log'))).toBe(false);
    for (const res of [a, b]) {
      if (datastoreReady) expect(res.outcome).toBe('succeeded');
      else expect(res.message).toMatch(/datastore|Cannot find module/i);
    }
    // a warm quantum's result comes back with it, not in a result file
    expect(a.taskOutputs).toEqual(datastoreReady ? [] : undefined);
    expect(existsSync(join(dir, 'q1.json.result.json'))).toBe(false);
    const e = await r.run(task('e', join(dir, 'fails.mts'), 'fails', 5), W);
    expect(e.outcome).toBe('failed');
    expect(e.taskOutputs).toBeUndefined();
    expect(readFileSync(join(dir, 'logs', 'e.log'), 'utf8')).toMatch(/Error: no luck\n\s+at /);
    const c = await r.run(task('c', join(dir, 'crash.mts'), 'crash', 3), W);
    expect(c.outcome).toBe('failed');
    expect(c.message).toContain('warm task worker exited (code 7)');
    const d = await r.run(task('d', join(dir, 'noop.mts'), 'noop', 4), W);
    expect(readFileSync(join(dir, 'logs', 'd.log'), 'utf8')).toMatch(/imported in \d+/); // a new process
    expect(d.outcome).toBe(datastoreReady ? 'succeeded' : 'failed');
    await r.shutdown();
  });
});
