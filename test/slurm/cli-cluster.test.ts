/**
 * The seed's workflow on the REAL 3-node Slurm test cluster, through the `quanta` binary only:
 * a ToyCam repository, a bps YAML with `provider: Slurm`, and
 *   1. the seed's own hand-written sbatch script that runs `quanta submit bps.yaml` inside the
 *      allocation (the pilot starts one worker per node with srun);
 *   2. `quanta submit bps.yaml` typed on the login node, which builds the QG and submits the
 *      generated batch script itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { submitSbatch } from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { jobOutput, root, slurmEnv, waitForJob } from './cluster.js';

const slurm = probeService('slurm');

function quanta(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [join(root, 'bin/quanta.js'), ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The submit dir the run made under `<dir>/submit` (the one holding a journal). */
function findSubmitDir(base: string): string | undefined {
  if (!existsSync(base)) return undefined;
  if (existsSync(join(base, 'journal.sqlite3')) || existsSync(join(base, 'workflow.json'))) return base;
  for (const e of readdirSync(base, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const found = findSubmitDir(join(base, e.name));
    if (found) return found;
  }
  return undefined;
}

function nodesOf(submitDir: string): { states: string[]; nodes: Set<string> } {
  const j = openJournalReadOnly(submitDir);
  try {
    const rows = j.jobs();
    return { states: rows.map((r) => r.state), nodes: new Set(rows.map((r) => String(r.node))) };
  } finally {
    j.close();
  }
}

describeWithService('slurm', slurm, 'the seed workflow on a real Slurm cluster, via the quanta CLI', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF);
  let dir = '';
  let runEnv: NodeJS.ProcessEnv = {};

  beforeAll(() => {
    dir = mkdtempSync(join('/tmp', 'quanta-slurm-cli-'));
    const prep = quanta(
      ['demo', '--dir', join(dir, 'demo'), '--visits', '2', '--detectors', '3', '--prepare-only'],
      env,
    );
    expect(prep.status, prep.stderr).toBe(0);
    // the seed's bps YAML: the ToyCam submission with the Slurm site section of the seed
    writeFileSync(
      join(dir, 'bps.yaml'),
      [
        'includeConfigs:',
        `  - ${join(root, 'examples/toycam/bps.yaml')}`,
        `pipelineYaml: '${join(root, 'examples/toycam/DRP.yaml')}#singleFrame'`,
        'parsl_config:',
        '  provider: Slurm',
        '  nodes_per_block: 3',
        '  worker_options: "--memory=1500 --cores=2"',
        '  walltime: "00:10:00"',
        '',
      ].join('\n'),
    );
    runEnv = {
      ...env,
      TOYCAM_REPO: join(dir, 'demo', 'repo'),
      TOYCAM_VISITS: '',
    };
    // the demo repository's visits: ask the registry, as a user would
    const q = quanta(
      [
        'butler',
        'query-data-ids',
        join(dir, 'demo', 'repo'),
        'visit',
        '--json',
        '--where',
        "instrument='ToyCam'",
      ],
      runEnv,
    );
    expect(q.status, q.stderr).toBe(0);
    const rows = JSON.parse(q.stdout) as { visit: number }[] | { rows: { visit: number }[] };
    const list = Array.isArray(rows) ? rows : rows.rows;
    runEnv.TOYCAM_VISITS = [...new Set(list.map((r) => r.visit))].join(',');
    expect(runEnv.TOYCAM_VISITS).toMatch(/^\d+,\d+$/);
  }, 180_000);

  it("runs from the seed's own sbatch script (`quanta submit` inside the allocation) on all 3 nodes", async () => {
    const runDir = join(dir, 'seed');
    runEnv.TOYCAM_DIR = runDir;
    const script = join(dir, 'sfp.sbatch');
    writeFileSync(
      script,
      [
        '#!/bin/bash',
        '#SBATCH --job-name=sfp_toycam',
        `#SBATCH --output=${join(dir, 'sfp.stdout')}`,
        `#SBATCH --error=${join(dir, 'sfp.stderr')}`,
        '#SBATCH --nodes=3',
        '#SBATCH --time=00:10:00',
        '#SBATCH --exclusive',
        `export TOYCAM_REPO=${runEnv.TOYCAM_REPO}`,
        `export TOYCAM_DIR=${runDir}`,
        `export TOYCAM_VISITS=${runEnv.TOYCAM_VISITS}`,
        `cd ${dir}`,
        `${process.execPath} ${join(root, 'bin/quanta.js')} submit bps.yaml`,
        '',
      ].join('\n'),
    );
    const jobId = await submitSbatch(script, { env, cwd: dir });
    const state = await waitForJob(env, jobId, 240_000);
    const out = `${jobOutput(dir, jobId)}`;
    expect(state, out).toBe('COMPLETED');
    const submitDir = findSubmitDir(join(runDir, 'submit'));
    expect(submitDir, 'submit dir').toBeDefined();
    const st = quanta(['status', submitDir as string, '--json'], runEnv);
    expect(st.status, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.totals.total).toBe(2 * 3 * 3); // 2 visits x 3 detectors x isr/characterize/calibrate
    expect(status.totals.succeeded).toBe(status.totals.total);
    const { states, nodes } = nodesOf(submitDir as string);
    expect(new Set(states)).toEqual(new Set(['succeeded']));
    expect(nodes).toEqual(new Set(['n1', 'n2', 'n3']));
  }, 300_000);

  it('`quanta submit` on the login node builds the graph and submits the batch job itself', async () => {
    const runDir = join(dir, 'login');
    runEnv.TOYCAM_DIR = runDir;
    const r = quanta(['submit', join(dir, 'bps.yaml'), '--json'], runEnv);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { submitDir: string; script: string; jobId: string };
    expect(out.jobId).toMatch(/^\d+$/);
    expect(out.submitDir.startsWith(join(runDir, 'submit'))).toBe(true);
    const state = await waitForJob(env, out.jobId, 240_000);
    expect(state, jobOutput(out.submitDir, out.jobId)).toBe('COMPLETED');
    // status from the login node, after the fact
    const st = quanta(['status', out.submitDir, '--json'], runEnv);
    expect(st.status, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.totals).toMatchObject({ total: 18, succeeded: 18, failed: 0 });
    expect(nodesOf(out.submitDir).nodes.size).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
