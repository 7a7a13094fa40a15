/**
 * A prepared run as a Slurm batch job (from a login node): write `<submitDir>/quanta.sbatch`
 * (its body restores the run with the pilot, so the first job and every wall-time successor run
 * the same script), optionally submit it and record the submission in `slurm-jobs.json`.
 */
import type { SubmitConfig } from '../config/index.js';
import { ensureToken } from '../executors/pilot/auth.js';
import { writeSbatchScript } from '../executors/providers/slurm/sbatch.js';
import { slurmProvider } from '../executors/providers/slurm/provider.js';
import { recordSubmission } from '../executors/providers/slurm/successor.js';

export interface BatchOptions {
  submit?: boolean;
  exclusive?: boolean;
  env?: NodeJS.ProcessEnv;
  /** human lines (default: stderr) */
  log?: (line: string) => void;
}

export interface BatchResult {
  submitDir: string;
  script: string;
  jobId?: string;
}

export async function writeRunBatch(
  submitDir: string,
  config: SubmitConfig,
  opts: BatchOptions = {},
): Promise<BatchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  for (const w of config.warnings) log(`quanta: warning: ${w}`);
  ensureToken(submitDir);
  const script = writeSbatchScript(config, submitDir, {
    ...(opts.exclusive !== undefined ? { exclusive: opts.exclusive } : {}),
  });
  if (!opts.submit) return { submitDir, script };
  const jobId = await slurmProvider({ env: opts.env }).submit(script);
  recordSubmission(submitDir, { jobId, kind: 'initial' }, config.site.maxResubmissions);
  return { submitDir, script, jobId };
}
