/**
 * The executor contract (src/engine/executor.ts), the same tests against every executor: a
 * worker joins with the budget it was given, dispatched jobs run and report, a job over its memory
 * is killed, a kill cancels, a vanished worker never leaves a job hanging, shutdown stops
 * everything. The engine is played by a Recorder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeService } from '../helpers/services.js';
import { Recorder, commandJob, pidAlive } from '../slurm/recorder.js';
import { slurmEnv, waitFor } from '../slurm/cluster.js';
import { holdClusterDuringSuite } from '../helpers/cluster-lock.js';
import {
  BUDGET,
  localFixture,
  pilotLocalFixture,
  pilotSlurmFixture,
  type ExecutorFixture,
} from './fixtures.js';

const slurm = probeService('slurm');
const fixtures: [string, () => ExecutorFixture][] = [
  ['local', localFixture],
  ['pilot (local provider, none launcher)', pilotLocalFixture],
];
if (slurm.available) {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF);
  const ctld = slurm.env.QUANTA_SLURM_CTLD_ADDR ?? '10.77.0.1';
  fixtures.push(['pilot (slurm provider, srun launcher)', () => pilotSlurmFixture(env, ctld)]);
}

const readPid = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0);

describe.each(fixtures)('executor contract: %s', (name, make) => {
  if (name.includes('slurm') && slurm.env.QUANTA_SLURM_CONF)
    holdClusterDuringSuite(slurm.env.QUANTA_SLURM_CONF);
  let f: ExecutorFixture | undefined;
  let rec: Recorder;
  afterEach(async () => {
    await f?.executor.shutdown();
    await f?.dispose();
    f = undefined;
  });

  async function start(): Promise<{ f: ExecutorFixture; workerId: string }> {
    f = make();
    rec = new Recorder();
    await f.executor.start(rec);
    await rec.until(() => rec.joined.length === 1, 60_000, 'a worker');
    return { f, workerId: rec.joined[0].id };
  }

  it('offers a worker with the budget it was given and runs dispatched jobs there', async () => {
    const { f, workerId } = await start();
    expect(rec.joined[0]).toMatchObject(BUDGET);
    for (const i of [1, 2])
      f.executor.dispatch(commandJob(`echo.${i}`, ['sh', '-c', `echo out-${i}`], f.submitDir), workerId);
    await rec.until(() => rec.finished.length === 2, 30_000, 'two results');
    for (const r of rec.finished) {
      expect(r).toMatchObject({ outcome: 'succeeded', exitCode: 0, workerId, attempt: 1 });
      expect(readFileSync(join(f.submitDir, `${r.id}.log`), 'utf8')).toContain(`out-${r.id.split('.')[1]}`);
    }
    expect(rec.started.map((s) => s.jobId).sort()).toEqual(['echo.1', 'echo.2']);
  });

  it('kills a job over its memory with outcome memory and reports its peak', async () => {
    const { f, workerId } = await start();
    const hog = ['node', '-e', 'const b = Buffer.alloc(400 * 2 ** 20, 1); setTimeout(() => b, 20000)'];
    f.executor.dispatch(
      commandJob('hog.1', hog, f.submitDir, { memoryMB: 150, enforceMemory: true }),
      workerId,
    );
    await rec.until(() => rec.finished.length === 1, 30_000, 'the memory kill');
    expect(rec.finished[0].outcome).toBe('memory');
    expect(rec.finished[0].peakMemoryMB).toBeGreaterThan(150);
  });

  it('cancels a running job on kill', async () => {
    const { f, workerId } = await start();
    f.executor.dispatch(commandJob('sleep.1', ['sleep', '60'], f.submitDir), workerId);
    await rec.until(() => rec.started.length === 1, 30_000, 'the start');
    await new Promise((r) => setTimeout(r, 300));
    f.executor.kill('sleep.1');
    await rec.until(() => rec.finished.length === 1, 15_000, 'the kill');
    expect(rec.finished[0]).toMatchObject({ id: 'sleep.1', outcome: 'cancelled' });
  });

  it('reports every job of a worker that vanished; none is left hanging', async () => {
    const { f, workerId } = await start();
    for (const i of [1, 2])
      f.executor.dispatch(commandJob(`sleep.${i}`, ['sleep', '60'], f.submitDir), workerId);
    await rec.until(() => rec.started.length === 2, 30_000, 'two starts');
    await new Promise((r) => setTimeout(r, 300));
    f.loseWorker();
    await rec.until(() => rec.finished.length === 2, 30_000, 'both jobs back');
    expect(rec.finished.map((r) => r.outcome)).toEqual([f.lost.outcome, f.lost.outcome]);
    expect(rec.lost.map((l) => l.workerId)).toEqual(f.lost.workerLost ? [workerId] : []);
  });

  it('on shutdown kills running jobs and stops its workers', async () => {
    const { f, workerId } = await start();
    const pidFile = join(f.submitDir, 'job.pid');
    f.executor.dispatch(
      commandJob('sleep.1', ['sh', '-c', `echo $$ > '${pidFile}'; exec sleep 60`], f.submitDir),
      workerId,
    );
    await waitFor(() => readPid(pidFile) > 0, 30_000, 'the job pid');
    const workers = f.workerPids();
    await f.executor.shutdown();
    const jobPid = readPid(pidFile);
    const t0 = Date.now();
    while ((pidAlive(jobPid) || workers.some(pidAlive)) && Date.now() - t0 < 10_000)
      await new Promise((r) => setTimeout(r, 100));
    expect(pidAlive(jobPid)).toBe(false);
    expect(workers.filter(pidAlive)).toEqual([]);
  });
});
