/**
 * The LSST Python example (examples/lsst-python) on the REAL 3-node Slurm test cluster with the
 * pilot, through the `quanta` binary only: `quanta submit bps.yaml` on the login node builds the
 * graph with LSST's `pipetask qgraph` and submits the batch script, whose `quanta restore
 * --executor pilot` runs pre-exec-init-qbb, run-qbb per quantum and aggregate-graph on the
 * nodes; and the DESC way, a hand-written sbatch script that runs `quanta submit` inside the
 * allocation. Then the real Butler finds every output.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { Oracle } from '../helpers/oracle.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { submitSbatch } from '../../src/executors/providers/slurm/index.js';
import { jobOutput, root, slurmEnv, waitForJob } from '../slurm/cluster.js';

const slurm = probeService('slurm');
const lsst = probeService('lsst');
const example = join(root, 'examples', 'lsst-python');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';

/** The user on the login node: Slurm's client config, the LSST stack on PATH, the example's tasks importable. */
const userEnv = (): NodeJS.ProcessEnv => ({
  ...slurmEnv(slurm.env.QUANTA_SLURM_CONF ?? ''),
  PATH: `${venv}/bin:${process.env.PATH}`,
  PYTHONPATH: example,
  USER: 'tester',
});

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 300_000 });
}
const quanta = (args: string[], cwd: string) =>
  run(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], cwd);

const DETECTORS = 6;
/** sum over detectors d of (0..9 + d) * factor 3 */
const expectedTotal = (n: number): number =>
  3 * Array.from({ length: n }, (_, d) => 45 + 10 * d).reduce((a, b) => a + b, 0);

/** A copy of the example on /tmp (the fake nodes share this machine's filesystem, as compute nodes share $SCRATCH), its repository made by the real Butler, and a Slurm site section. */
function exampleOnSlurm(): string {
  const dir = mkdtempSync(join('/tmp', 'quanta-lsst-slurm-'));
  cpSync(join(example, 'pipeline.yaml'), join(dir, 'pipeline.yaml'));
  const made = run(
    `${venv}/bin/python`,
    [join(example, 'make_repo.py'), join(dir, 'repo'), '--detectors', String(DETECTORS)],
    dir,
  );
  expect(made.status, made.stderr).toBe(0);
  // one 1 GB scale quantum fits per node (2000 MB workers), so the six of them spread over the nodes
  writeFileSync(
    join(dir, 'bps.yaml'),
    [
      readFileSync(join(example, 'bps.yaml'), 'utf8'),
      'parsl_config:',
      '  provider: Slurm',
      '  nodes_per_block: 3',
      '  worker_options: "--memory=2000 --cores=2"',
      '  walltime: "00:10:00"',
      '',
    ].join('\n'),
  );
  return dir;
}

describeWithService('slurm', slurm, 'the LSST Python example on the real Slurm cluster', () => {
  describeWithService('lsst', lsst, 'with the pilot and the real middleware', () => {
    let oracle: Oracle | undefined;
    afterAll(async () => oracle?.close());

    /** Every quantum succeeded on the cluster's nodes, and the real Butler finds every output. */
    async function expectOutputs(dir: string, submitDir: string): Promise<void> {
      expect(existsSync(join(submitDir, 'lsst.qg'))).toBe(true);
      const st = quanta(['status', submitDir, '--json'], dir);
      expect(st.status, st.stderr).toBe(0);
      const status = JSON.parse(st.stdout) as {
        labels: { label: string; succeeded: number; total: number }[];
      };
      expect(status.labels.map((l) => [l.label, l.succeeded, l.total])).toEqual([
        ['pipetaskInit', 1, 1],
        ['scale', DETECTORS, DETECTORS],
        ['sum', 1, 1],
        ['finalJob', 1, 1],
      ]);
      const j = openJournalReadOnly(submitDir);
      const nodes = new Set(j.jobs().map((row) => String(row.node)));
      j.close();
      for (const n of nodes) expect(['n1', 'n2', 'n3']).toContain(n);
      expect(nodes.size).toBeGreaterThanOrEqual(2);

      // the real Butler, after aggregate-graph: every output is in the output collection
      oracle ??= new Oracle(venv);
      const repo = join(dir, 'repo');
      const scaled = await oracle.call<unknown[]>('query_datasets', {
        root: repo,
        dataset_type: 'example_scaled',
        collections: ['u/tester/example'],
      });
      expect(scaled).toHaveLength(DETECTORS);
      const code = `import json,sys\nfrom lsst.daf.butler import Butler\nb=Butler.from_config(sys.argv[1], collections=sys.argv[2])\nprint(json.dumps(b.get('example_sum', instrument='ExampleCam')))`;
      const sum = run(`${venv}/bin/python`, ['-c', code, repo, 'u/tester/example'], dir);
      expect(sum.status, sum.stderr).toBe(0);
      expect(JSON.parse(sum.stdout)).toEqual({
        total: expectedTotal(DETECTORS),
        detectors: Array.from({ length: DETECTORS }, (_, d) => d),
      });
      const report = JSON.parse(quanta(['report', submitDir, '--json'], dir).stdout) as {
        failures: unknown[];
      };
      expect(report.failures).toEqual([]);
    }

    it('`quanta submit` on the login node runs it on the nodes and the real Butler finds every output', async () => {
      const dir = exampleOnSlurm();
      const r = quanta(['submit', 'bps.yaml', '--json'], dir);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Generated ${DETECTORS} quanta for task scale`);
      const out = JSON.parse(r.stdout) as { submitDir: string; jobId: string };
      expect(out.jobId).toMatch(/^\d+$/);
      const state = await waitForJob(userEnv(), out.jobId, 360_000);
      expect(state, jobOutput(out.submitDir, out.jobId)).toBe('COMPLETED');
      await expectOutputs(dir, out.submitDir);
    }, 600_000);

    it('runs from a hand-written sbatch script (`quanta submit` inside the allocation)', async () => {
      const dir = exampleOnSlurm();
      const script = join(dir, 'example.sbatch');
      // the docs/lsst.md script: the stack set up in the job (sbatch also passes the environment on)
      writeFileSync(
        script,
        [
          '#!/bin/bash',
          '#SBATCH --job-name=lsst_example',
          `#SBATCH --output=${join(dir, 'example.stdout')}`,
          `#SBATCH --error=${join(dir, 'example.stderr')}`,
          '#SBATCH --nodes=3',
          '#SBATCH --time=00:10:00',
          '#SBATCH --exclusive',
          `export PATH=${venv}/bin:$PATH`,
          `export PYTHONPATH=${example}`,
          `cd ${dir}`,
          `${process.execPath} ${join(root, 'bin', 'quanta.js')} submit bps.yaml`,
          '',
        ].join('\n'),
      );
      const jobId = await submitSbatch(script, { env: userEnv(), cwd: dir });
      const state = await waitForJob(userEnv(), jobId, 360_000);
      const stderr = existsSync(join(dir, 'example.stderr'))
        ? readFileSync(join(dir, 'example.stderr'), 'utf8')
        : '';
      expect(state, stderr).toBe('COMPLETED');
      const m = /submit dir: (\S+)/.exec(stderr);
      expect(m, stderr).not.toBeNull();
      expect(stderr).toContain(`Generated ${DETECTORS} quanta for task scale`);
      await expectOutputs(dir, m![1]);
    }, 600_000);
  });
});
