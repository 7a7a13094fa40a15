/**
 * `quanta sbatch BPS.yaml [--submit]` from a login node: build the quantum graph and the submit
 * dir (prepareRun), write `<submitDir>/quanta.sbatch` and optionally submit it. Given an existing
 * submit dir instead (from `quanta qgraph`), it writes the script for that run from the
 * `config.yaml` prepareRun left there.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSubmitConfig } from '../../config/index.js';
import type { SubmitConfig } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { prepareRun } from '../../qgraph/prepare.js';
import { ensureToken } from '../pilot/auth.js';
import { submitSbatch, writeSbatchScript } from './sbatch.js';
import { recordSubmission } from './successor.js';

export interface SbatchRunOptions {
  /** a bps submit YAML, or the submit dir of a prepared run */
  configPath: string;
  /** an already prepared run (from `quanta qgraph` or an earlier submission) for configPath */
  submitDir?: string;
  submit?: boolean;
  exclusive?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SbatchRunResult {
  submitDir: string;
  script: string;
  jobId?: string;
}

export async function prepareSbatch(opts: SbatchRunOptions): Promise<SbatchRunResult> {
  const env = opts.env ?? process.env;
  let config: SubmitConfig;
  let submitDir: string;
  const target = resolve(opts.configPath);
  if (existsSync(target) && statSync(target).isDirectory()) {
    submitDir = target;
    config = await loadPreparedConfig(submitDir, env);
  } else if (opts.submitDir) {
    submitDir = resolve(opts.submitDir);
    if (!existsSync(submitDir) || !statSync(submitDir).isDirectory()) {
      throw new UsageError('NO_SUBMIT_DIR', `--submit-dir ${submitDir} is not a directory`, {
        file: submitDir,
      });
    }
    config = await loadSubmitConfig(target, { env });
  } else {
    const prepared = await prepareRun(target, { env });
    submitDir = prepared.submitDir;
    config = prepared.config;
  }
  for (const w of config.warnings) process.stderr.write(`quanta: warning: ${w}\n`);
  ensureToken(submitDir);
  const script = writeSbatchScript(config, submitDir, {
    ...(opts.exclusive !== undefined ? { exclusive: opts.exclusive } : {}),
  });
  if (!opts.submit) return { submitDir, script };
  const jobId = await submitSbatch(script, { env });
  recordSubmission(submitDir, { jobId, kind: 'initial' }, config.site.maxResubmissions);
  return { submitDir, script, jobId };
}

/** The submit config a prepared run keeps in `<submitDir>/config.yaml`. */
export async function loadPreparedConfig(submitDir: string, env: NodeJS.ProcessEnv): Promise<SubmitConfig> {
  const file = join(submitDir, 'config.yaml');
  if (!existsSync(file)) {
    throw new UsageError(
      'NO_SUBMIT_CONFIG',
      `${submitDir} has no config.yaml: give the bps YAML, or a submit dir made by quanta qgraph`,
      {
        file: submitDir,
      },
    );
  }
  return loadSubmitConfig(file, { env });
}

/** The site config of a prepared run, or undefined when the dir has none (a plain workflow run). */
export async function preparedSite(
  submitDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubmitConfig['site'] | undefined> {
  if (!existsSync(join(submitDir, 'config.yaml'))) return undefined;
  return (await loadPreparedConfig(submitDir, env)).site;
}
