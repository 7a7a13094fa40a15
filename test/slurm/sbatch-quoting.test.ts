/**
 * `quanta sbatch`'s script on the REAL Slurm cluster from a submit dir whose path has a space,
 * quotes and a `#`: sbatch must read the #SBATCH --output/--error paths whole, so the batch job's
 * output lands in that dir, and the script's own `quanta restore DIR --executor pilot` runs the run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { ensureToken } from '../../src/executors/pilot/auth.js';
import { slurmProvider, writeScript } from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { jobOutput, slurmEnv, waitForJob } from './cluster.js';

const slurm = probeService('slurm');

describeWithService('slurm', slurm, 'batch script of a submit dir with a space in its path', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF);

  it('runs, and Slurm writes the job output into that dir', async () => {
    const dir = join(mkdtempSync(join('/tmp', 'quanta-slurm-quoting-')), `my run's "dir" #1`);
    mkdirSync(dir);
    ensureToken(dir);
    writeFileSync(
      join(dir, 'workflow.json'),
      JSON.stringify({
        name: 'quoting',
        jobs: [
          {
            id: 'hello',
            label: 'hello',
            argv: ['sh', '-c', 'echo hello from $SLURMD_NODENAME'],
            requestMemory: 100,
          },
        ],
      }),
    );
    const script = writeScript({ jobName: 'quanta quoting', nodes: 1, exclusive: false }, dir);
    expect(readFileSync(script, 'utf8')).toContain(
      `#SBATCH --output="${dir.replace(/"/g, '\\"')}/slurm-%j.stdout"`,
    );
    const jobId = await slurmProvider({ env }).submit(script, { cwd: dir });
    const state = await waitForJob(env, jobId, 120_000);
    expect(state, jobOutput(dir, jobId)).toBe('COMPLETED');
    expect(existsSync(join(dir, `slurm-${jobId}.stdout`))).toBe(true);
    expect(existsSync(join(dir, `slurm-${jobId}.stderr`))).toBe(true);
    const j = openJournalReadOnly(dir);
    try {
      expect(j.jobs().map((r) => r.state)).toEqual(['succeeded']);
    } finally {
      j.close();
    }
    expect(readFileSync(join(dir, 'logs', 'hello', 'hello.1.log'), 'utf8')).toMatch(/hello from n\d/);
  });
});
