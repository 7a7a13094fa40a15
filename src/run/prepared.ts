/**
 * What a prepared run keeps in its submit dir: the submit config (`config.yaml`, written by
 * qgraph's prepareRun). A plain workflow run (`quanta run-workflow`) has none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSubmitConfig } from '../config/index.js';
import type { SubmitConfig } from '../config/index.js';
import { UsageError } from '../errors.js';

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
  return loadSubmitConfig(file, { env });
}

/** The site config of a prepared run, or undefined when the dir has none (a plain workflow run). */
export async function preparedSite(
  submitDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubmitConfig['site'] | undefined> {
  if (!existsSync(join(submitDir, CONFIG_COPY))) return undefined;
  return (await loadPreparedConfig(submitDir, env)).site;
}
