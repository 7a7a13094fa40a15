/**
 * A run submitted from the login node with `quanta sbatch DIR --submit` whose batch job waits in
 * Slurm's queue (held here, like a job waiting for nodes): `quanta status` and `quanta runs` say
 * it waits for that job, on the real test cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { quantaBin } from '../engine/helpers.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { slurmEnv } from './cluster.js';

const slurm = probeService('slurm');

describeWithService('slurm', slurm, 'status of a prepared run waiting for its Slurm job', () => {
  const base = slurmEnv(slurm.env.QUANTA_SLURM_CONF);

  it('says "waiting for the Slurm job N" while the job is queued', () => {
    const dir = mkdtempSync(join('/tmp', 'quanta-slurm-prepared-'));
    // the real sbatch, with --hold so that the job stays queued for as long as the test looks
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const realSbatch = execFileSync('sh', ['-c', 'command -v sbatch'], {
      env: base,
      encoding: 'utf8',
    }).trim();
    writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\nexec ${realSbatch} --hold "$@"\n`);
    chmodSync(join(bin, 'sbatch'), 0o755);
    const env = { ...base, PATH: `${bin}:${base.PATH ?? ''}` };
    const submitDir = join(dir, 'submit', 'u', 'me', 'held');
    mkdirSync(submitDir, { recursive: true });
    writeFileSync(
      join(submitDir, 'config.yaml'),
      [
        'pipelineYaml: /nowhere/DRP.yaml',
        'payload:',
        '  payloadName: held',
        '  butlerConfig: /nowhere/repo',
        '  inCollection: in',
        '  dataQuery: ""',
        'parsl_config:',
        '  provider: Slurm',
        '  nodes_per_block: 1',
        '  walltime: "00:05:00"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(submitDir, 'workflow.json'),
      JSON.stringify({ name: 'held', jobs: [{ id: 'a', label: 'a', argv: ['true'] }] }),
    );
    const q = (args: string[]) =>
      spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8', env });
    const sub = q(['sbatch', submitDir, '--submit', '--json']);
    expect(sub.status, sub.stderr).toBe(0);
    const jobId = JSON.parse(sub.stdout).jobId as string;
    expect(jobId).toMatch(/^\d+$/);
    try {
      const s = q(['status', submitDir, '--json']);
      expect(s.status, s.stderr).toBe(0);
      expect(JSON.parse(s.stdout)).toMatchObject({ prepared: true, batchJob: { jobId, state: 'PENDING' } });
      const text = q(['status', submitDir]);
      expect(text.stdout).toContain(
        `manager: none yet: waiting for the Slurm job ${jobId} (PENDING) to start the run`,
      );
      const runs = JSON.parse(q(['runs', join(dir, 'submit'), '--json']).stdout);
      expect(runs.runs).toHaveLength(1);
      expect(runs.runs[0]).toMatchObject({ path: 'u/me/held', state: 'queued', batchJob: { jobId } });
    } finally {
      execFileSync('scancel', [jobId], { env });
    }
    const after = q(['status', submitDir]);
    expect(after.stdout).toMatch(new RegExp(`Slurm job ${jobId} (was cancelled|\\(CANCELLED)`));
  }, 60_000);
});
