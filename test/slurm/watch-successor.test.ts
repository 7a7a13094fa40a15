/**
 * `quanta status --watch` across the gap between two batch jobs of a Slurm run, on the real test
 * cluster: the run's manager is gone, work remains, and its next batch job waits in Slurm's queue
 * (held here, like a successor waiting for its predecessor). The watch must keep going and say
 * why, and stop once that job is gone.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { pendingBatchJob, recordSubmission } from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { root, slurmEnv, waitFor } from './cluster.js';

const slurm = probeService('slurm');

describeWithService('slurm', slurm, 'status --watch between the batch jobs of a Slurm run', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF);
  const quantaArgv = (args: string[]) => [join(root, 'bin/quanta.js'), ...args];

  it('keeps watching while the next batch job is queued, and stops when it is gone', async () => {
    const dir = mkdtempSync(join('/tmp', 'quanta-slurm-watch-'));
    const submitDir = join(dir, 'run');
    const wf = join(dir, 'wf.json');
    writeFileSync(
      wf,
      JSON.stringify({
        name: 'watch-gap',
        jobs: Array.from({ length: 4 }, (_, i) => ({ id: `s.${i}`, label: 's', argv: ['sleep', '20'] })),
      }),
    );
    // a run whose manager dies mid-run (kill -9): jobs left, nobody driving
    const run = spawn(process.execPath, quantaArgv(['run-workflow', wf, '--submit-dir', submitDir]), {
      env,
      stdio: 'ignore',
      detached: true,
    });
    await waitFor(() => existsSync(join(submitDir, 'journal.sqlite3')), 30_000, 'journal');
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-(run.pid as number), 'SIGKILL');

    // the run's next batch job, held in the queue
    const script = join(dir, 'next.sbatch');
    writeFileSync(script, '#!/bin/bash\n#SBATCH --nodes=1\ntrue\n');
    const jobId = execFileSync('sbatch', ['--parsable', '--hold', '-o', '/dev/null', script], {
      env,
      encoding: 'utf8',
    })
      .trim()
      .split(';')[0];
    recordSubmission(submitDir, { jobId, kind: 'successor', after: '1' });
    expect(await pendingBatchJob(submitDir, { env })).toMatchObject({ jobId, state: 'PENDING' });

    const watch = spawn(process.execPath, quantaArgv(['status', submitDir, '--watch', '--interval', '1']), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    watch.stdout.on('data', (b: Buffer) => (out += b.toString()));
    watch.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => watch.on('exit', (c) => r(c)));
    await waitFor(() => out.includes(`Slurm job ${jobId} (PENDING) will continue the run`), 30_000, out);
    // still watching a few refreshes later
    await new Promise((r) => setTimeout(r, 2500));
    expect(watch.exitCode).toBeNull();
    execFileSync('scancel', [jobId], { env });
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('still running'), 30_000)),
    ]);
    expect(code, out).toBe(0);
    expect(await pendingBatchJob(submitDir, { env })).toBeUndefined();
    expect(out).toMatch(/TOTAL/);
  }, 120_000);
});
