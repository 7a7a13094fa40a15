/**
 * The one place executors are constructed from a name (the CLI's `--executor`), so that wiring a
 * new one (the pilot) touches a single function.
 */
import type { Executor } from '../engine/executor.js';
import { UsageError } from '../errors.js';
import { LocalExecutor, type LocalExecutorOptions } from './local/local-executor.js';

export type ExecutorName = 'local' | 'pilot';

export interface CreateExecutorOptions {
  runId: string;
  submitDir: string;
  local?: LocalExecutorOptions;
}

export function createExecutor(name: string, opts: CreateExecutorOptions): Executor {
  if (name === 'local') return new LocalExecutor({ ...opts.local, runId: opts.runId });
  if (name === 'pilot') {
    throw new UsageError(
      'EXECUTOR_UNAVAILABLE',
      'the pilot executor is not wired into this command yet; use --executor local',
    );
  }
  throw new UsageError('EXECUTOR_UNKNOWN', `unknown executor '${name}' (known: local, pilot)`);
}
