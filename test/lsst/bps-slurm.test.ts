/**
 * `bps submit` with quanta as the workflow system (python/quanta_bps), on the REAL 3-node Slurm
 * test cluster, with the real ctrl_bps and pipe_base's AddTask pipeline on a real repository:
 * - the seed's way: an sbatch script whose only line of work is `bps submit bps.yaml`, the bps
 *   YAML changed only in wmsServiceClass (its parsl_config: provider Local, nodes_per_block,
 *   worker_options --memory), so quanta's pilot runs the jobs on the allocation's nodes;
 * - from the login node with `provider: Slurm`: `bps submit` writes and submits quanta's batch
 *   script and returns; then the allocation is killed mid-run (kill -9 of everything in it) and
 *   `bps restart` from the login node submits it again and finishes with no finished job re-run.
 * `bps report` from the login node counts the jobs of both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { submitSbatch } from '../../src/executors/providers/slurm/index.js';
import { queuedSuccessor, readJobsRecord } from '../../src/executors/providers/slurm/successor.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { jobOutput, root, slurmEnv, waitForJob } from '../slurm/cluster.js';

const slurm = probeService('slurm');
const lsst = probeService('lsst');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';
const TASKS = 4;

interface Bench {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** An AddTask repository and pipeline of TASKS tasks on /tmp (the fake nodes share this filesystem). */
function addtaskOnSlurm(parslConfig: string[]): Bench {
  const dir = mkdtempSync(join('/tmp', 'quanta-bps-slurm-'));
  const env: NodeJS.ProcessEnv = {
    ...slurmEnv(slurm.env.QUANTA_SLURM_CONF ?? ''),
    PATH: `${venv}/bin:${process.env.PATH}`,
    CTRL_MPEXEC_DIR: venv,
    DAF_BUTLER_DIR: venv,
    QUANTA_BPS_QUANTA: join(root, 'bin', 'quanta.js'),
    QUANTA_BPS_NODE: process.execPath,
    QUANTA_BPS_RUNS: join(dir, 'runs.txt'),
    BPS_WMS_SERVICE_CLASS: 'quanta_bps.QuantaService',
    USER: 'tester',
    PWD: dir, // bps's submitPath is ${PWD}/submit/...
  };
  const made = spawnSync(
    `${venv}/bin/python`,
    ['-m', 'quanta_lsst.addtask_repo', dir, '--tasks', String(TASKS)],
    { cwd: dir, env, encoding: 'utf8', timeout: 300_000 },
  );
  expect(made.status, made.stderr).toBe(0);
  writeFileSync(
    join(dir, 'bps.yaml'),
    [
      'wmsServiceClass: quanta_bps.QuantaService',
      'pipelineYaml: pipeline.yaml',
      'payload:',
      '  payloadName: addtask',
      '  butlerConfig: repo',
      '  inCollection: test',
      '  dataQuery: ""',
      'requestMemory: 512',
      'numberOfRetries: 1',
      // bps's default final job asks for 32 GB and 16 cores, more than a node of this test cluster
      'finalJob:',
      '  requestMemory: 1024',
      '  requestCpus: 1',
      'parsl_config:',
      ...parslConfig.map((l) => `  ${l}`),
      '',
    ].join('\n'),
  );
  return { dir, env };
}

function bps(b: Bench, args: string[]) {
  return spawnSync(`${venv}/bin/bps`, args, { cwd: b.dir, env: b.env, encoding: 'utf8', timeout: 300_000 });
}

function runId(out: string): string {
  const m = /^Run Id: (\S+)$/m.exec(out);
  expect(m, out).not.toBeNull();
  return m![1];
}

/** id -> [state, attempt, started_at, node] of every journal row, read with the real sqlite3 module of Python. */
function journal(submitDir: string): Map<string, [string, number, number | null, string | null]> {
  const code =
    'import json,sqlite3,sys\n' +
    'db=sqlite3.connect(f"file:{sys.argv[1]}/journal.sqlite3?mode=ro",uri=True,timeout=10)\n' +
    'print(json.dumps(db.execute("SELECT id,state,attempt,started_at,node FROM jobs").fetchall()))';
  const r = spawnSync(`${venv}/bin/python`, ['-c', code, submitDir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const rows = JSON.parse(r.stdout) as [string, string, number, number | null, string | null][];
  return new Map(rows.map(([id, ...rest]) => [id, rest]));
}

function butlerFinds(b: Bench, datasetType: string): number {
  const code =
    'import sys\nfrom lsst.daf.butler import Butler\n' +
    'b=Butler.from_config(sys.argv[1], collections=sys.argv[2])\n' +
    'print(len(b.query_datasets(sys.argv[3], explain=False)))';
  const r = spawnSync(
    `${venv}/bin/python`,
    ['-c', code, join(b.dir, 'repo'), 'u/tester/addtask', datasetType],
    { env: b.env, encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

/** `bps report --id`: the TOTAL row's SUCCEEDED and EXPECTED columns. */
function reportCounts(b: Bench, submitDir: string): { succeeded: number; expected: number; out: string } {
  const r = bps(b, ['report', '--id', submitDir]);
  expect(r.status, r.stderr).toBe(0);
  const total = r.stdout.split('\n').find((l) => l.startsWith('TOTAL'));
  expect(total, r.stdout).toBeDefined();
  const cols = total!.trim().split(/\s+/);
  return { succeeded: Number(cols[9]), expected: Number(cols[cols.length - 1]), out: r.stdout };
}

const JOBS = TASKS + 2; // pipetaskInit, one quantum per task, the final job

describeWithService('slurm', slurm, 'bps submit with quanta on the real Slurm cluster', () => {
  describeWithService('lsst', lsst, 'with the real ctrl_bps', () => {
    it("the seed's sbatch script, only wmsServiceClass changed: the pilot runs it on the nodes", async () => {
      const b = addtaskOnSlurm([
        'retries: 1',
        'monitoring: true',
        'executor: WorkQueue',
        'provider: Local',
        'nodes_per_block: 3',
        'worker_options: "--memory=2000"',
      ]);
      const script = join(b.dir, 'sfp.sbatch');
      writeFileSync(
        script,
        [
          '#!/bin/bash',
          '#SBATCH --job-name=sfp_addtask',
          `#SBATCH --output=${join(b.dir, 'sfp.stdout')}`,
          `#SBATCH --error=${join(b.dir, 'sfp.stderr')}`,
          '#SBATCH --nodes=3',
          '#SBATCH --time=00:10:00',
          '#SBATCH --exclusive',
          '',
          `cd ${b.dir}`,
          'bps submit bps.yaml',
          '',
        ].join('\n'),
      );
      const jobId = await submitSbatch(script, { env: b.env, cwd: b.dir });
      const state = await waitForJob(b.env, jobId, 480_000);
      const stdout = existsSync(join(b.dir, 'sfp.stdout'))
        ? readFileSync(join(b.dir, 'sfp.stdout'), 'utf8')
        : '';
      const stderr = existsSync(join(b.dir, 'sfp.stderr'))
        ? readFileSync(join(b.dir, 'sfp.stderr'), 'utf8')
        : '';
      expect(state, stderr.slice(-4000)).toBe('COMPLETED');
      const submitDir = runId(stdout);
      const rows = journal(submitDir);
      expect(rows.size).toBe(JOBS);
      for (const [id, [st, , , node]] of rows) {
        expect(st, id).toBe('succeeded');
        expect(['n1', 'n2', 'n3'], id).toContain(node);
      }
      expect(butlerFinds(b, `add_dataset${TASKS}`)).toBe(1);
      // bps report, from the login node, with no YAML
      const rep = reportCounts(b, submitDir);
      expect([rep.succeeded, rep.expected], rep.out).toEqual([JOBS, JOBS]);
      expect(rep.out).toContain('SUCCEEDED 100');
    }, 600_000);

    it('from the login node: bps submit queues the run; after a kill -9 of the allocation, bps restart finishes it, re-running no finished job', async () => {
      const b = addtaskOnSlurm([
        'provider: Slurm',
        'nodes_per_block: 3',
        'worker_options: "--memory=2000"',
        'walltime: "00:10:00"',
      ]);
      const sub = bps(b, ['submit', 'bps.yaml']);
      expect(sub.status, sub.stderr.slice(-4000)).toBe(0);
      const submitDir = runId(sub.stdout);
      const first = readJobsRecord(submitDir).jobs.at(-1)?.jobId;
      expect(first).toMatch(/^\d+$/);

      // wait until two jobs succeeded, then kill everything in the allocation at once
      const t0 = Date.now();
      const succeeded = (): number =>
        existsSync(join(submitDir, 'journal.sqlite3'))
          ? [...journal(submitDir).values()].filter(([st]) => st === 'succeeded').length
          : 0;
      while (succeeded() < 2) {
        expect(Date.now() - t0, jobOutput(submitDir, first!)).toBeLessThan(300_000);
        await sleep(500);
      }
      // a user cancelling all of the run's jobs: the successor quanta queued, then the allocation
      const successor = queuedSuccessor(submitDir, first!);
      expect(successor).toMatch(/^\d+$/);
      spawnSync('scancel', [successor!], { env: b.env });
      const kill = spawnSync('scancel', ['--signal=KILL', '--full', first!], {
        env: b.env,
        encoding: 'utf8',
      });
      expect(kill.status, kill.stderr).toBe(0);
      const killedState = await waitForJob(b.env, first!, 120_000);
      expect(killedState).not.toBe('COMPLETED');
      const before = journal(submitDir);
      const done = [...before].filter(([, [st]]) => st === 'succeeded');
      expect(done.length).toBeGreaterThanOrEqual(2);
      expect(done.length).toBeLessThan(JOBS);

      // bps restart from the login node (no YAML; the class from BPS_WMS_SERVICE_CLASS)
      const restart = bps(b, ['restart', '--id', submitDir]);
      expect(restart.status, restart.stderr.slice(-4000)).toBe(0);
      const second = readJobsRecord(submitDir)
        .jobs.filter((j) => j.kind === 'initial')
        .at(-1)?.jobId;
      expect(second).toMatch(/^\d+$/);
      expect(second).not.toBe(first);
      // a second restart while that job is queued or running is refused, naming it
      const again = bps(b, ['restart', '--id', submitDir]);
      expect(again.stdout + again.stderr).toContain(`Slurm job ${second} of this run is`);
      expect(again.stdout).toContain('Restart failed');
      // and submitted nothing: the restart's job is still the run's latest first-of-allocation job
      expect(
        readJobsRecord(submitDir)
          .jobs.filter((j) => j.kind === 'initial')
          .at(-1)?.jobId,
      ).toBe(second);
      const state = await waitForJob(b.env, second!, 480_000);
      expect(state, jobOutput(submitDir, second!)).toBe('COMPLETED');

      const after = journal(submitDir);
      for (const [id, [st]] of after) expect(st, id).toBe('succeeded');
      // a job that had succeeded before the kill never ran again: same attempt, same start
      for (const [id, row] of done) expect(after.get(id), id).toEqual(row);
      expect(butlerFinds(b, `add_dataset${TASKS}`)).toBe(1);
      const rep = reportCounts(b, submitDir);
      expect([rep.succeeded, rep.expected], rep.out).toEqual([JOBS, JOBS]);
    }, 900_000);

    it('bps cancel from the login node stops the run in the allocation and a queued job never starts', async () => {
      const b = addtaskOnSlurm([
        'provider: Slurm',
        'nodes_per_block: 3',
        'worker_options: "--memory=2000"',
        'walltime: "00:10:00"',
      ]);
      // (1) a run whose batch job is still queued: submitted held (the real sbatch with --hold,
      // put first on PATH), so it cannot start before the cancel
      const bin = join(b.dir, 'held-bin');
      mkdirSync(bin);
      const realSbatch = spawnSync('sh', ['-c', 'command -v sbatch'], {
        env: b.env,
        encoding: 'utf8',
      }).stdout.trim();
      writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\nexec ${realSbatch} --hold "$@"\n`, { mode: 0o755 });
      const held = { ...b, env: { ...b.env, PATH: `${bin}:${b.env.PATH ?? ''}` } };
      const queued = bps(held, ['submit', 'bps.yaml']);
      expect(queued.status, queued.stderr.slice(-4000)).toBe(0);
      const queuedDir = runId(queued.stdout);
      const queuedJob = readJobsRecord(queuedDir).jobs.at(-1)!.jobId;
      const c1 = bps(b, ['cancel', '--id', queuedDir]);
      expect(c1.status, c1.stderr + c1.stdout).toBe(0);
      expect(await waitForJob(b.env, queuedJob, 60_000)).toBe('CANCELLED');
      expect(existsSync(join(queuedDir, 'journal.sqlite3'))).toBe(false);

      // (2) a run in its allocation: cancelled once a job has succeeded
      const sub = bps(b, ['submit', 'bps.yaml']);
      expect(sub.status, sub.stderr.slice(-4000)).toBe(0);
      const submitDir = runId(sub.stdout);
      const jobId = readJobsRecord(submitDir).jobs.at(-1)!.jobId;
      const t0 = Date.now();
      const succeeded = (): number =>
        existsSync(join(submitDir, 'journal.sqlite3'))
          ? [...journal(submitDir).values()].filter(([st]) => st === 'succeeded').length
          : 0;
      while (succeeded() < 1) {
        expect(Date.now() - t0, jobOutput(submitDir, jobId)).toBeLessThan(300_000);
        await sleep(300);
      }
      const c2 = bps(b, ['cancel', '--id', submitDir]);
      expect(c2.status, c2.stderr + c2.stdout).toBe(0);
      const ended = await waitForJob(b.env, jobId, 120_000);
      expect(ended).toMatch(/^(COMPLETED|FAILED|CANCELLED)/);
      const rows = [...journal(submitDir).values()];
      expect(rows.filter(([st]) => ['pending', 'ready', 'running'].includes(st))).toEqual([]);
      expect(rows.filter(([st]) => st === 'cancelled').length).toBeGreaterThan(0);
      // the successor queued at the start is cancelled too: nothing of the run is left in the queue
      for (const j of readJobsRecord(submitDir).jobs) {
        const q = spawnSync('squeue', ['-h', '-j', j.jobId, '-o', '%T'], { env: b.env, encoding: 'utf8' });
        expect(q.stdout.trim(), j.jobId).toBe('');
      }
      const rep = bps(b, ['report', '--id', submitDir]);
      expect(rep.stdout).toContain('DELETED');
    }, 900_000);
  });
});
