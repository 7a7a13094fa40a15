/**
 * The manager of a pilot run on the REAL 3-node Slurm test cluster, killed (issue 16 item 6):
 * - kill -9 of the manager inside its allocation: quanta's batch script restores the run in the
 *   same allocation, which ends COMPLETED with no finished job re-run and no successor left queued;
 * - the head of the allocation killed at once (batch script and manager, kill -9, as when its node
 *   crashes): the successor job that quanta queued when the run started restores it; `quanta
 *   restore` from the login node meanwhile refuses, naming that job;
 * - a run started by a hand-written script (`quanta run-workflow --executor pilot`) whose
 *   allocation and successor were both cancelled: `quanta restore` from the login node submits its
 *   batch script again (no config.yaml needed) and the run finishes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import {
  queuedSuccessor,
  readJobsRecord,
  recordSubmission,
  submitSbatch,
  writeScript,
} from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { jobOutput, newSubmitDir, root, slurmEnv, waitForJob } from './cluster.js';

const slurm = probeService('slurm');
const quantaJs = join(root, 'bin/quanta.js');
const JOBS = 36;

function jobs(): {
  id: string;
  label: string;
  argv: string[];
  timeoutSec: number;
  requestMemory: number;
  needs: string[];
}[] {
  return Array.from({ length: JOBS }, (_, i) => ({
    id: `s.${i}`,
    label: 's',
    argv: ['sleep', '1'],
    timeoutSec: 20, // the run-time estimate: the default 300 s would not fit the wall time
    requestMemory: 100,
    needs: [],
  }));
}

function rows(dir: string) {
  const j = openJournalReadOnly(dir);
  try {
    return j.jobs();
  } finally {
    j.close();
  }
}

const succeeded = (dir: string): number => {
  try {
    return rows(dir).filter((r) => r.state === 'succeeded').length;
  } catch {
    return 0; // the journal is not there yet
  }
};

async function until(cond: () => boolean, what: string, timeoutMs = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

/** The pid of the manager that holds the run's lease. */
function managerPid(dir: string): number {
  const code = `import sqlite3,sys\ndb=sqlite3.connect(f"file:{sys.argv[1]}/journal.sqlite3?mode=ro",uri=True,timeout=10)\nr=db.execute("SELECT pid FROM lease").fetchone()\nprint(r[0] if r else "")`;
  const r = spawnSync('python3', ['-c', code, dir], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** id -> [attempt, started_at] of the jobs that had succeeded. */
function finished(dir: string): Map<string, [number, number]> {
  return new Map(
    rows(dir)
      .filter((r) => r.state === 'succeeded')
      .map((r) => [String(r.id), [Number(r.attempt), Number(r.started_at)]]),
  );
}

function expectAllSucceededWithoutRerun(dir: string, before: Map<string, [number, number]>): void {
  const after = rows(dir);
  expect(after).toHaveLength(JOBS);
  for (const r of after) expect(r.state, String(r.id)).toBe('succeeded');
  const now = finished(dir);
  for (const [id, row] of before) expect(now.get(id), id).toEqual(row);
}

/** The DESC way: a hand-written script, `quanta run-workflow --executor pilot` inside the allocation. */
async function submitUserScript(dir: string, sd: string): Promise<string> {
  writeFileSync(join(dir, 'wf.json'), JSON.stringify({ name: 'user', jobs: jobs() }));
  const script = join(dir, 'user.sbatch');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      `#SBATCH --output=${join(dir, 'user-%j.out')}`,
      `#SBATCH --error=${join(dir, 'user-%j.err')}`,
      '#SBATCH --nodes=3',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --time=10',
      '#SBATCH --exclusive',
      `${process.execPath} ${quantaJs} run-workflow ${join(dir, 'wf.json')} --executor pilot --submit-dir ${sd}`,
      '',
    ].join('\n'),
  );
  mkdirSync(sd);
  return submitSbatch(script, { env: slurmEnv(slurm.env.QUANTA_SLURM_CONF ?? ''), cwd: dir });
}

describeWithService('slurm', slurm, 'a killed manager on the real Slurm cluster', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF ?? '');
  const quanta = (args: string[]) =>
    spawnSync(process.execPath, [quantaJs, ...args], { env, encoding: 'utf8', timeout: 120_000 });

  it('kill -9 of the manager: the batch script restores the run in the same allocation', async () => {
    const dir = newSubmitDir('supervise');
    writeFileSync(join(dir, 'workflow.json'), JSON.stringify({ name: 'supervise', jobs: jobs() }));
    const script = writeScript({ jobName: 'quanta-supervise', nodes: 3, exclusive: true, time: '10' }, dir, {
      argv: [process.execPath, quantaJs, 'restore', dir, '--executor', 'pilot'],
    });
    const first = await submitSbatch(script, { env, cwd: dir });
    recordSubmission(dir, { jobId: first, kind: 'initial' }, 3);
    await until(() => succeeded(dir) >= 4, 'four jobs to succeed');
    const pid = managerPid(dir);
    expect(pid).toBeGreaterThan(0);
    const before = finished(dir);
    process.kill(pid, 'SIGKILL');

    expect(await waitForJob(env, first, 240_000), jobOutput(dir, first)).toBe('COMPLETED');
    const err = readFileSync(join(dir, `slurm-${first}.stderr`), 'utf8');
    expect(err).toContain('the manager died (exit 137); restoring the run in this allocation (1 of 3)');
    expectAllSucceededWithoutRerun(dir, before);
    // the successor queued at the start was cancelled when the run ended in this allocation
    const successors = readJobsRecord(dir).jobs.filter((j) => j.kind === 'successor');
    expect(successors).toHaveLength(1);
    expect(successors[0].after).toBe(first);
    expect(successors[0].cancelledAt).toBeDefined();
    expect(queuedSuccessor(dir, first)).toBeUndefined();
  }, 360_000);

  it("the allocation's head killed: the queued successor restores the run; a login-node restore meanwhile is refused", async () => {
    const dir = newSubmitDir('allockill');
    const sd = join(dir, 'run');
    const first = await submitUserScript(dir, sd);
    await until(() => succeeded(sd) >= 4, 'four jobs to succeed');
    await until(() => queuedSuccessor(sd, first) !== undefined, 'the successor to be queued', 30_000);
    const successor = queuedSuccessor(sd, first)!;
    // the head of the allocation dies at once (its batch script and the manager, kill -9), as when
    // its node crashes; a user's scancel is a decision to stop, which drops the successor instead
    const pid = managerPid(sd);
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    process.kill(ppid, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    expect(await waitForJob(env, first, 120_000)).not.toBe('COMPLETED');
    const before = finished(sd);
    expect(before.size).toBeLessThan(JOBS);

    // from the login node, while the successor is queued or running: refused, naming it
    const refused = quanta(['restore', sd]);
    expect(refused.status, refused.stderr).toBe(4);
    expect(refused.stderr).toContain('[BATCH_JOB_ACTIVE]');
    expect(refused.stderr).toContain(`Slurm job ${successor} of this run is`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    expect(await waitForJob(env, successor, 240_000), jobOutput(sd, successor)).toBe('COMPLETED');
    expectAllSucceededWithoutRerun(sd, before);
  }, 420_000);

  it('allocation and successor cancelled: quanta restore from the login node resubmits a run-workflow pilot run', async () => {
    const dir = newSubmitDir('loginrestore');
    const sd = join(dir, 'run');
    const first = await submitUserScript(dir, sd);
    await until(() => succeeded(sd) >= 4, 'four jobs to succeed');
    await until(() => queuedSuccessor(sd, first) !== undefined, 'the successor to be queued', 30_000);
    // a user cancelling all of the run's jobs: the queued successor, then the running allocation
    spawnSync('scancel', [queuedSuccessor(sd, first)!], { env });
    spawnSync('scancel', ['--signal=KILL', '--full', first], { env });
    await waitForJob(env, first, 120_000);
    const before = finished(sd);

    const r = quanta(['restore', sd, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const jobId = (JSON.parse(r.stdout) as { jobId: string }).jobId;
    expect(jobId).toMatch(/^\d+$/);
    expect(await waitForJob(env, jobId, 240_000), jobOutput(sd, jobId)).toBe('COMPLETED');
    expectAllSucceededWithoutRerun(sd, before);
  }, 420_000);
});
