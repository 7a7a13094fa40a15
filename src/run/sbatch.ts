/**
 * `quanta sbatch BPS.yaml [--submit]`: prepare the run (quantum graph and submit dir, qgraph's
 * prepareRun), or take an already prepared one, then write (and submit) its batch script.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadSubmitConfig } from '../config/index.js';
import type { SubmitConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { prepareRun } from '../qgraph/prepare.js';
import { writeRunBatch } from './batch.js';
import type { BatchResult } from './batch.js';
import { loadPreparedConfig } from './prepared.js';

export interface SbatchRunOptions {
  /** a bps submit YAML, or the submit dir of a prepared run */
  configPath: string;
  /** an already prepared run (from `quanta qgraph` or an earlier submission) for configPath */
  submitDir?: string;
  submit?: boolean;
  exclusive?: boolean;
  env?: NodeJS.ProcessEnv;
  /** `--allow-unknown-keys`: a misspelt key that changes the selection or a request only warns */
  allowUnknownKeys?: boolean;
  /** the warnings of a bps YAML's config, as soon as it is loaded */
  onWarnings?: (warnings: string[]) => void;
}

export type SbatchRunResult = BatchResult;

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
    config = await loadSubmitConfig(target, { env, allowUnknownKeys: opts.allowUnknownKeys });
    opts.onWarnings?.(config.warnings);
  } else {
    const prepared = await prepareRun(target, {
      env,
      allowUnknownKeys: opts.allowUnknownKeys,
      onWarnings: opts.onWarnings,
    });
    submitDir = prepared.submitDir;
    config = prepared.config;
  }
  return writeRunBatch(submitDir, config, { submit: opts.submit, exclusive: opts.exclusive, env });
}
