/**
 * What a prepared run keeps in its submit dir: the submit config (`config.yaml`, written by
 * qgraph's prepareRun; a plain workflow run, `quanta run-workflow`, has none) and, once
 * `quanta sbatch --submit` (or a wall-time successor) submitted it, its Slurm batch jobs
 * (`slurm-jobs.json`), whose state Slurm tells.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSubmitConfig } from '../config/index.js';
import type { SubmitConfig } from '../config/index.js';
import type { BatchJobState } from '../engine/manager-line.js';
import { isQuantaError, UsageError } from '../errors.js';
import { runSlurmCommand, showJob } from '../executors/providers/slurm/commands.js';
import type { SlurmCommandOptions } from '../executors/providers/slurm/commands.js';
import { readJobsRecord } from '../executors/providers/slurm/successor.js';

export const CONFIG_COPY = 'config.yaml';

/** The submit config a prepared run keeps in `<submitDir>/config.yaml`. */
export async function loadPreparedConfig(
  submitDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubmitConfig> {
  const file = join(submitDir, CONFIG_COPY);
  if (!existsSync(file)) {
    throw new UsageError(
      'NO_SUBMIT_CONFIG',
      `${submitDir} has no config.yaml: give the bps YAML, or a submit dir made by quanta qgraph`,
      {
        file: submitDir,
      },
    );
  }
  // the copy was checked when the run was prepared: keys let through then (--allow-unknown-keys) stay
  return loadSubmitConfig(file, { env, allowUnknownKeys: true });
}

/** The site config of a prepared run, or undefined when the dir has none (a plain workflow run). */
export async function preparedSite(
  submitDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubmitConfig['site'] | undefined> {
  if (!existsSync(join(submitDir, CONFIG_COPY))) return undefined;
  return (await loadPreparedConfig(submitDir, env)).site;
}

/**
 * The run's latest batch job and its state: `scontrol show job`, or `sacct` once slurmctld forgot
 * the job; undefined when the run was never submitted. The state is undefined when Slurm's tools
 * are not here or do not know the job.
 */
export async function latestBatchJob(
  submitDir: string,
  opts: SlurmCommandOptions = {},
): Promise<BatchJobState | undefined> {
  const last = readJobsRecord(submitDir).jobs.at(-1);
  if (!last) return undefined;
  const o = { timeoutMs: 10_000, ...opts };
  try {
    const state = (await showJob(last.jobId, o)).JobState;
    if (state) return { jobId: last.jobId, state };
  } catch (e) {
    if (isQuantaError(e) && e.code === 'SLURM_MISSING') return { jobId: last.jobId };
  }
  try {
    const out = await runSlurmCommand('sacct', ['-n', '-X', '-P', '-j', last.jobId, '-o', 'State'], o);
    const state = out.trim().split('\n')[0]?.split(' ')[0];
    return state ? { jobId: last.jobId, state } : { jobId: last.jobId };
  } catch {
    return { jobId: last.jobId }; // no accounting storage on this cluster
  }
}
