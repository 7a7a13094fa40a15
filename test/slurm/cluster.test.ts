/**
 * The pilot on the REAL 3-node Slurm test cluster (scripts/services/start-slurm.sh): nodes n1..n3
 * are slurmd's in their own network and UTS namespaces, so workers really are on different hosts.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { createPilotExecutor } from '../../src/executors/pilot/index.js';
import {
  readJobsRecord,
  recordSubmission,
  submitSbatch,
  writeScript,
} from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import {
  jobOutput,
  newSubmitDir,
  pilotLog,
  root,
  slurmEnv,
  submitRun,
  waitFor,
  waitForJob,
  writeWorkflow,
} from './cluster.js';
import { Recorder, commandJob } from './recorder.js';

const slurm = probeService('slurm');
const ctldAddr = slurm.env.QUANTA_SLURM_CTLD_ADDR ?? '10.77.0.1';

function srunWorker(env: NodeJS.ProcessEnv, node: string, url: string, tokenFile: string) {
  const argv = [
    '-N1',
    '-n1',
    '-w',
    node,
    '--exact',
    '--mem=300M',
    '-c',
    '1',
    process.execPath,
    join(root, 'bin/quanta.js'),
  ];
  argv.push('worker', '--manager', url, '--token-file', tokenFile, '--memory', '300', '--cores', '1');
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile('srun', argv, { env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` });
    });
  });
}

function journalRows(dir: string) {
  const j = openJournalReadOnly(dir);
  try {
    return { jobs: j.jobs(), events: j.events() };
  } finally {
    j.close();
  }
}

describeWithService('slurm', slurm, 'pilot on a real 3-node Slurm cluster', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF);

  it('workers on n1, n2, n3 run jobs there; a worker with a wrong token is refused', async () => {
    const dir = newSubmitDir('nodes');
    const rec = new Recorder();
    const ex = createPilotExecutor({ submitDir: dir, advertiseHost: ctldAddr });
    await ex.start(rec);
    try {
      const steps = ['n1', 'n2', 'n3'].map((n) => srunWorker(env, n, ex.url, join(dir, 'token')));
      await rec.until(() => rec.joined.length === 3, 30_000, 'three workers');
      expect(rec.joined.map((w) => w.node).sort()).toEqual(['n1', 'n2', 'n3']);
      for (const w of rec.joined) ex.dispatch(commandJob(`host.${w.node}`, ['hostname'], dir), w.id);
      await rec.until(() => rec.finished.length === 3, 30_000, 'three results');
      for (const r of rec.finished) {
        expect(r.outcome).toBe('succeeded');
        expect(r.id).toBe(`host.${r.node}`);
        // the job really ran on that node: its own hostname (UTS namespace) is the node's
        expect(readFileSync(join(dir, `${r.id}.log`), 'utf8').trim()).toBe(r.node);
      }

      writeFileSync(join(dir, 'wrong-token'), 'this-is-not-the-token-of-the-run\n');
      const bad = await srunWorker(env, 'n2', ex.url, join(dir, 'wrong-token'));
      expect(bad.code).toBe(3);
      expect(bad.out).toMatch(/refused by the manager/);
      const refused = pilotLog(dir).filter((l) => String(l.msg).startsWith('worker refused'));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ node: 'n2', remote: expect.stringMatching(/^10\.77\.0\.12:/) });
      expect(rec.joined).toHaveLength(3);
      await ex.shutdown();
      const ends = await Promise.all(steps);
      expect(ends.map((e) => e.code)).toEqual([0, 0, 0]);
    } finally {
      await ex.shutdown();
    }
  }, 90_000);

  it('runs a workflow across all three nodes from one sbatch job', async () => {
    const dir = newSubmitDir('spread');
    const jobs = Array.from({ length: 18 }, (_, i) => ({
      id: `hn.${i}`,
      label: 'hn',
      argv: ['sh', '-c', 'hostname; sleep 0.4'],
    }));
    jobs.push({
      id: 'gather',
      label: 'gather',
      argv: ['true'],
      needs: jobs.map((j) => j.id),
    } as (typeof jobs)[0]);
    // nodes_per_block disagrees with the 3-node allocation: a warning, and the allocation is used
    const jobId = await submitRun(
      env,
      dir,
      writeWorkflow(dir, 'spread', jobs),
      {},
      { TEST_NODES_PER_BLOCK: '10' },
    );
    const state = await waitForJob(env, jobId, 90_000);
    expect(state, jobOutput(dir, jobId)).toBe('COMPLETED');
    const summary = JSON.parse(readFileSync(join(dir, `entry-${jobId}.json`), 'utf8'));
    expect(summary.status).toBe('succeeded');
    const { jobs: rows } = journalRows(dir);
    expect(rows.every((r) => r.state === 'succeeded')).toBe(true);
    expect(new Set(rows.map((r) => r.node))).toEqual(new Set(['n1', 'n2', 'n3']));
    for (const r of rows.filter((x) => x.label === 'hn')) {
      expect(readFileSync(r.log_path as string, 'utf8').trim()).toBe(r.node);
    }
    const joined = pilotLog(dir).filter((l) => l.msg === 'worker joined');
    expect(joined.map((l) => l.node).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(pilotLog(dir).map((l) => String(l.msg))).toContainEqual(
      expect.stringMatching(/^nodes_per_block is 10 but this Slurm allocation has 3 node\(s\) \(n1,n2,n3\)/),
    );
    expect(jobOutput(dir, jobId)).toMatch(/nodes_per_block is 10/);
  }, 120_000);

  it('a killed worker loses its jobs to the others as new attempts, and is relaunched on its node', async () => {
    const dir = newSubmitDir('kill');
    const jobs = Array.from({ length: 60 }, (_, i) => ({ id: `s.${i}`, label: 's', argv: ['sleep', '1'] }));
    const jobId = await submitRun(
      env,
      dir,
      writeWorkflow(dir, 'kill', jobs),
      {},
      {
        QUANTA_PILOT_RELAUNCH_DELAY_MS: '500',
      },
    );
    await waitFor(
      () => pilotLog(dir).filter((l) => l.msg === 'worker joined').length === 3,
      60_000,
      'workers',
    );
    const victim = pilotLog(dir).find((l) => l.msg === 'worker joined' && l.node === 'n2') as { pid: number };
    await new Promise((r) => setTimeout(r, 1500)); // mid-run: n2 holds jobs now
    process.kill(victim.pid, 'SIGKILL');
    const state = await waitForJob(env, jobId, 90_000);
    expect(state, jobOutput(dir, jobId)).toBe('COMPLETED');
    const summary = JSON.parse(readFileSync(join(dir, `entry-${jobId}.json`), 'utf8'));
    expect(summary).toMatchObject({ status: 'succeeded', totals: { succeeded: 60, failed: 0 } });
    const log = pilotLog(dir);
    const lost = log.filter((l) => String(l.msg).startsWith('worker lost'));
    expect(lost).toHaveLength(1);
    expect(lost[0].node).toBe('n2');
    expect(lost[0].jobs).toBeGreaterThan(0); // it was killed mid-run, holding jobs
    const { jobs: rows } = journalRows(dir);
    // the jobs it held ran again as attempt 2, each with its own log; none counted as a retry
    const again = rows.filter((r) => r.attempt === 2);
    expect(again).toHaveLength(lost[0].jobs as number);
    expect(rows.every((r) => r.state === 'succeeded' && r.attempt <= 2)).toBe(true);
    for (const r of again) expect(String(r.log_path)).toMatch(/\.2\.log$/);
    // relaunched on n2, which took work again
    expect(log.map((l) => String(l.msg))).toContainEqual(
      expect.stringMatching(/^worker step on n2 ended; relaunching it in 0.5 s/),
    );
    const n2 = log.filter((l) => l.msg === 'worker joined' && l.node === 'n2');
    expect(n2).toHaveLength(2);
    const killedAt = lost[0].time as number;
    const lateOnN2 = rows.filter((r) => r.node === 'n2' && (r.started_at as number) > killedAt);
    expect(lateOnN2.length).toBeGreaterThan(0);
    expect(lateOnN2.every((r) => r.worker_id === n2[1].workerId)).toBe(true);
  }, 110_000);

  it('a frozen worker is fenced, then rejoins and takes work: no job runs twice under one attempt', async () => {
    const dir = newSubmitDir('freeze');
    const jobs = Array.from({ length: 60 }, (_, i) => ({ id: `f.${i}`, label: 'f', argv: ['sleep', '1'] }));
    const jobId = await submitRun(
      env,
      dir,
      writeWorkflow(dir, 'freeze', jobs),
      {},
      {
        QUANTA_PILOT_HEARTBEAT_MS: '500',
        QUANTA_PILOT_HEARTBEAT_TIMEOUT_MS: '3000',
      },
    );
    await waitFor(
      () => pilotLog(dir).filter((l) => l.msg === 'worker joined').length === 3,
      60_000,
      'workers',
    );
    const victim = pilotLog(dir).find((l) => l.msg === 'worker joined' && l.node === 'n2') as {
      pid: number;
      workerId: string;
    };
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(victim.pid, 'SIGSTOP'); // its jobs run on; it says nothing
    try {
      await waitFor(
        () => pilotLog(dir).some((l) => String(l.msg).startsWith('worker lost')),
        20_000,
        'the frozen worker lost',
      );
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      process.kill(victim.pid, 'SIGCONT');
    }
    const state = await waitForJob(env, jobId, 90_000);
    expect(state, jobOutput(dir, jobId)).toBe('COMPLETED');
    const summary = JSON.parse(readFileSync(join(dir, `entry-${jobId}.json`), 'utf8'));
    expect(summary).toMatchObject({ status: 'succeeded', totals: { succeeded: 60, failed: 0 } });
    const log = pilotLog(dir);
    const lost = log.filter((l) => String(l.msg).startsWith('worker lost'));
    expect(lost.map((l) => l.node)).toEqual(['n2']);
    expect(String(lost[0].msg)).toMatch(/missed heartbeats/);
    const { jobs: rows } = journalRows(dir);
    const again = rows.filter((r) => r.attempt === 2);
    expect(again).toHaveLength(lost[0].jobs as number);
    for (const r of again) {
      expect(String(r.log_path)).toMatch(/\.2\.log$/);
      expect(r.worker_id).not.toBe(victim.workerId); // the fenced attempt's result never counted
    }
    // the same worker process came back as a new session and ran jobs again
    const back = log.filter((l) => l.msg === 'worker joined' && l.node === 'n2');
    expect(back.map((l) => l.workerId)).toEqual([victim.workerId, `${victim.workerId}.s2`]);
    expect(rows.filter((r) => r.worker_id === `${victim.workerId}.s2`).length).toBeGreaterThan(0);
  }, 110_000);

  it('a run cut by its wall time finishes through the successor job (quanta restore --executor pilot)', async () => {
    const dir = newSubmitDir('walltime');
    // 72 x 3 s on 6 slots is ~36 s of work; each 1-minute allocation may run jobs for 25 s. The
    // jobs' requestWalltime (timeoutSec 5) is the run-time estimate until some have finished.
    const jobs = Array.from({ length: 72 }, (_, i) => ({
      id: `w.${i}`,
      label: 'w',
      argv: ['sleep', '3'],
      timeoutSec: 5,
    }));
    // a prepared run: the workflow in the submit dir, restored by the real CLI in every allocation
    writeFileSync(
      join(dir, 'workflow.json'),
      JSON.stringify({ name: 'walltime', jobs: jobs.map((j) => ({ requestMemory: 100, needs: [], ...j })) }),
    );
    const script = writeScript({ jobName: 'quanta-walltime', nodes: 3, exclusive: true, time: '1' }, dir, {
      env: { QUANTA_WALLTIME_MARGIN_SEC: '35' },
      argv: [process.execPath, join(root, 'bin/quanta.js'), 'restore', dir, '--executor', 'pilot', '--json'],
    });
    const first = await submitSbatch(script, { env, cwd: dir });
    recordSubmission(dir, { jobId: first, kind: 'initial' }, 3);
    const summaries: { jobId: string; status: string; totals: { succeeded: number; failed: number } }[] = [];
    let jobId: string | undefined = first;
    while (jobId && summaries.length < 4) {
      expect(await waitForJob(env, jobId, 120_000), jobOutput(dir, jobId)).toBe('COMPLETED');
      const out = readFileSync(join(dir, `slurm-${jobId}.stdout`), 'utf8').trim();
      summaries.push({ jobId, ...JSON.parse(out) });
      const current: string = jobId;
      // the successor queued after it; the one the last allocation queued was cancelled at the end
      jobId = readJobsRecord(dir).jobs.find((j) => j.after === current && !j.cancelledAt)?.jobId;
    }
    expect(summaries[0].status).toBe('deadline');
    expect(summaries[0].totals.succeeded).toBeGreaterThan(0);
    expect(summaries[0].totals.succeeded).toBeLessThan(72);
    expect(jobOutput(dir, first)).toMatch(/successor job \d+ \(resubmission 1\) restores the run/);
    const last = summaries.at(-1)!;
    expect(last).toMatchObject({ status: 'succeeded', totals: { succeeded: 72, failed: 0 } });
    // every successor ran after its predecessor (afterany) and is on record
    const rec = readJobsRecord(dir);
    const successors = rec.jobs.filter((j) => j.kind === 'successor' && !j.cancelledAt);
    // the one queued by the allocation that finished the run was cancelled then
    expect(rec.jobs.filter((j) => j.cancelledAt).map((j) => j.after)).toEqual([summaries.at(-1)!.jobId]);
    expect(successors.map((j) => j.after)).toEqual(summaries.slice(0, -1).map((s) => s.jobId));
    expect(successors.map((j) => j.jobId)).toEqual(summaries.slice(1).map((s) => s.jobId));
    // finished work is never redone: no job failed, and only one stopped at a wall time ran again
    // (as a new attempt of its own, which is not one of its failures)
    const { jobs: rows } = journalRows(dir);
    expect(rows.every((r) => r.state === 'succeeded' && r.attempt <= 2 && r.failures === 0)).toBe(true);
  }, 300_000);
});
